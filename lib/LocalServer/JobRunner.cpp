//===- LocalServer/JobRunner.cpp - One job from submission to object ------===//

#include "LocalServer/JobRunner.h"
#include "LocalServer/JobPreparation.h"
#include "LocalServer/OutputFiles.h"
#include "LocalServer/Preprocessed/RewriteIncludes.h"
#include "Protocol/Compression.h"
#include "Protocol/Errors.h"
#include "Protocol/Frame.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include <atomic>
#include <ctime>
#include <sys/stat.h>

using namespace clang::dist;

namespace {
/// A job is offered to at most this many slots before it runs locally.
constexpr unsigned MaxAttempts = 3;

std::chrono::nanoseconds threadCpuTime() {
  timespec T;
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &T);
  return std::chrono::seconds(T.tv_sec) + std::chrono::nanoseconds(T.tv_nsec);
}

} // namespace

struct JobRunner::Running {
  DoneFn Done;
  std::string Source;
  PreparedJob Prepared;
  std::shared_ptr<const std::string> Frame;
  unsigned Attempts = 0;
  /// Slots whose process died while they had this job.
  unsigned SlotsLost = 0;
  /// Compiles that used an answer about the files that no longer held.
  unsigned StaleCompiles = 0;
  std::string LastError;
  uint32_t Umask = 022;
  /// Set on the io thread, read on the pool before each output appears.
  std::atomic<bool> Cancelled{false};
};

JobRunner::JobRunner(boost::asio::io_context &IO,
                     boost::asio::thread_pool &Pool, const DistConfig &Config,
                     Farm TheSlaves, Logger &Log)
    : IO(IO), Pool(Pool), Config(Config), Log(Log),
      Slaves(std::move(TheSlaves)),
      Slots(Slaves.Slots.size(), Config.SlaveBackoff) {
  if (Slaves.Mode == DistributionMode::Sources)
    Sources = std::make_unique<SourcesMode>(Cache);
  for (const SlaveEndpoint &E : Slaves.Slots)
    Clients.push_back(std::make_unique<SlaveClient>(
        IO, E, Config, Slaves.Secret, Sources.get()));
  if (!Slaves.BackoffsPath.empty())
    restoreBackoffs();
}

void JobRunner::restoreBackoffs() {
  auto Buffer = llvm::MemoryBuffer::getFile(Slaves.BackoffsPath);
  if (!Buffer) {
    if (Buffer.getError() != std::errc::no_such_file_or_directory)
      Log.log("cannot read '" + Slaves.BackoffsPath +
              "': " + Buffer.getError().message());
    return;
  }
  llvm::Expected<std::vector<SlotBackoff>> Read =
      parseSlotBackoffs((*Buffer)->getBuffer());
  if (!Read)
    return Log.log("ignoring '" + Slaves.BackoffsPath +
                   "': " + llvm::toString(Read.takeError()));
  int64_t Now = std::time(nullptr);
  auto SteadyNow = std::chrono::steady_clock::now();
  for (SlotBackoff &B : *Read) {
    // The file may come from a config with a longer backoff, or from before
    // the clock was set back.
    int64_t Left =
        std::min<int64_t>(B.Until - Now, Config.SlaveBackoff.count());
    if (Left <= 0)
      continue;
    bool Listed = false;
    for (size_t Slot = 0; Slot != Clients.size(); ++Slot)
      if (Clients[Slot]->endpoint().str() == B.Slot) {
        Slots.backOff(Slot, SteadyNow + std::chrono::seconds(Left), SteadyNow);
        Listed = true;
      }
    if (!Listed)
      continue;
    Log.log(llvm::formatv("slave {0} backed off for {1}s more: an earlier "
                          "server found: {2}",
                          B.Slot, Left, B.Reason));
    B.Until = Now + Left;
    Backoffs.push_back(std::move(B));
  }
}

void JobRunner::rememberBackoff(size_t Slot, std::string Reason) {
  if (Slaves.BackoffsPath.empty() || Config.SlaveBackoff.count() == 0)
    return;
  int64_t Now = std::time(nullptr);
  std::string Name = Clients[Slot]->endpoint().str();
  llvm::erase_if(Backoffs, [&](const SlotBackoff &B) {
    return B.Until <= Now || B.Slot == Name;
  });
  Backoffs.push_back(
      {std::move(Name), Now + Config.SlaveBackoff.count(), std::move(Reason)});
  if (llvm::Error E = writeSlotBackoffs(Slaves.BackoffsPath, Backoffs))
    Log.log("cannot write '" + Slaves.BackoffsPath +
            "': " + llvm::toString(std::move(E)));
}

std::string JobRunner::backedOff() const {
  return llvm::formatv(" (backed off for {0}s)", Config.SlaveBackoff.count());
}

void JobRunner::probeSlots() {
  auto Now = std::chrono::steady_clock::now();
  for (size_t Slot = 0; Slot != Clients.size(); ++Slot) {
    if (Slots.isBusy(Slot) || Slots.isBackedOff(Slot, Now))
      continue;
    Clients[Slot]->probe([this, Slot](llvm::Expected<RemoteResult> Result) {
      std::string Message = llvm::toString(Result.takeError());
      Log.log("slave " + Clients[Slot]->endpoint().str() +
              " failed: " + Message + backedOff());
      rememberBackoff(Slot, Message);
      auto Now = std::chrono::steady_clock::now();
      Slots.backOff(Slot, Now + Config.SlaveBackoff, Now);
    });
  }
}

JobRunner::~JobRunner() = default;

JobRunner::CancelFn JobRunner::run(SubmitJob Submit, DoneFn Done) {
  auto R = std::make_shared<Running>();
  R->Done = std::move(Done);
  R->Umask = Submit.Umask;
  // For the log until preprocessing knows better: clang's driver puts the
  // input last.
  if (!Submit.Args.empty())
    R->Source = Submit.Args.back();
  uint64_t Id = NextJobId++;
  auto Prepare = [this, R, Id, Submit = std::move(Submit)] {
    // A source that crashes clang's preprocessor must not take the server,
    // and every other job of the build, with it; the client's own clang
    // then crashes on it and reports as clang does.
    llvm::CrashRecoveryContext CRC;
    auto Start = threadCpuTime();
    bool Survived = CRC.RunSafely(
        [&] { R->Prepared = prepareJob(Submit, Slaves.Mode, Cache); });
    PreparationCpu += (threadCpuTime() - Start).count();
    if (!Survived) {
      R->Prepared = PreparedJob();
      R->Prepared.RunLocallyReason = "the preprocessor crashed";
    }
    R->Prepared.Job.Id = Id;
    if (!R->Prepared.MainFile.empty())
      R->Source = R->Prepared.MainFile;
    if (R->Prepared.RunLocallyReason.empty()) {
      R->Frame =
          std::make_shared<const std::string>(encodeFrame(R->Prepared.Job));
      // The frame holds the only copy the job still needs.
      R->Prepared.Job.Files.clear();
    }
    boost::asio::post(IO, [this, R] {
      if (R->Cancelled)
        return;
      if (!R->Prepared.RunLocallyReason.empty())
        return runLocally(R, R->Prepared.RunLocallyReason);
      attempt(R);
    });
  };
  // Only the preprocessed mode reads files to prepare a job; the others
  // parse its arguments (0.3 ms), less than two hand-offs to the pool and
  // back would cost.
  if (Slaves.Mode == DistributionMode::Preprocessed)
    boost::asio::post(Pool, std::move(Prepare));
  else
    boost::asio::post(IO, std::move(Prepare));
  return [this, R] {
    if (R->Cancelled.exchange(true))
      return;
    Log.log((R->Source.empty() ? std::string("job") : R->Source) +
            ": cancelled: the client went away");
  };
}

void JobRunner::attempt(std::shared_ptr<Running> R) {
  if (Clients.empty())
    return runLocally(R, "no slaves configured");
  probeSlots();
  Slots.acquire(
      [this, R](std::optional<size_t> Slot) {
        if (R->Cancelled) {
          if (Slot)
            Slots.release(*Slot, false, std::chrono::steady_clock::now());
          return;
        }
        if (!Slot)
          return runLocally(R, R->LastError.empty()
                                   ? "every slave is backed off after failures"
                                   : R->LastError);
        ++R->Attempts;
        if (Sources)
          Sources->beforeSend(R->Prepared.Job, R->Prepared.MainFile);
        SlaveClient &Client = *Clients[*Slot];
        Client.run(
            R->Frame, R->Prepared.Job.Id,
            [this, R, Slot = *Slot](llvm::Expected<RemoteResult> Result) {
              const SlaveEndpoint &Where = Clients[Slot]->endpoint();
              if (Result) {
                Slots.release(Slot, false, std::chrono::steady_clock::now());
                if (R->Cancelled)
                  return;
                return finishRemote(R, Slot, std::move(*Result));
              }
              SlaveFailure::Kind Kind = SlaveFailure::Unreachable;
              std::string Message;
              llvm::handleAllErrors(Result.takeError(),
                                    [&](const SlaveFailure &F) {
                                      Kind = F.kind();
                                      Message = F.message();
                                    });
              // A slot process that died during the job was most likely
              // killed by it, and is already restarted: only the others
              // are backed off.
              bool BackOff = Kind != SlaveFailure::Lost;
              Slots.release(Slot, BackOff, std::chrono::steady_clock::now());
              if (R->Cancelled)
                return;
              R->LastError =
                  llvm::formatv("slave {0} failed: {1}", Where.str(), Message);
              Log.log(R->Source + ": " + R->LastError +
                      (BackOff ? backedOff() : std::string()));
              if (BackOff)
                rememberBackoff(Slot, Message);
              if (Kind == SlaveFailure::Lost && ++R->SlotsLost == 2)
                return runLocally(R, "the job ended two slave processes; it "
                                     "probably crashes clang");
              if (R->Attempts >= std::min<size_t>(MaxAttempts, Clients.size()))
                return runLocally(R, R->LastError);
              attempt(R);
            });
      },
      std::chrono::steady_clock::now());
}

void JobRunner::finishRemote(std::shared_ptr<Running> R, size_t Slot,
                             RemoteResult Remote) {
  // The slave and this server disagree on what a slave runs (another build
  // of clang-dist): the client's clang runs it, as it would have run it.
  if (Remote.Result.Refused)
    return runLocally(R, "slave " + Clients[Slot]->endpoint().str() +
                             " refused it: " + Remote.Result.Diagnostics);
  boost::asio::post(
      Pool, [this, R, Slot, Remote = std::move(Remote)]() mutable {
        CompileResult &Result = Remote.Result;
        AnswerCheck Check;
        if (Sources)
          Check = Sources->check(Remote.Consulted);
        std::string Unfaithful;
        if (R->Prepared.Job.Mode == DistributionMode::Preprocessed)
          Unfaithful = whyDiagnosticsDiffer(Result.Diagnostics);
        std::string WriteError;
        if (Check.Outcome == AnswerCheck::Verdict::True &&
            !Result.Unanswerable && Unfaithful.empty())
          llvm::handleAllErrors(
              storeOutputs(R->Prepared, Result, R->Umask,
                           [&] { return R->Cancelled.load(); }),
              // The io thread drops a cancelled job.
              [](const StoreCancelled &) {},
              [&](const llvm::ErrorInfoBase &E) { WriteError = E.message(); });
        boost::asio::post(IO, [this, R, Slot, Check, Unfaithful, WriteError,
                               Unanswerable = Result.Unanswerable,
                               Result = std::move(Result)]() mutable {
          if (R->Cancelled)
            return;
          if (!Unfaithful.empty())
            return runLocally(R, Unfaithful);
          if (Unanswerable)
            return runLocally(R, "the compile lists a directory, which a "
                                 "slave cannot");
          if (Check.Outcome == AnswerCheck::Verdict::Unavailable)
            return runLocally(R, "'" + Check.Paths.front() +
                                     "' is not a file or directory a slave "
                                     "can be sent");
          if (Check.Outcome == AnswerCheck::Verdict::Changed) {
            Sources->reanswer(Check.Paths);
            std::string Why =
                "'" + Check.Paths.front() +
                (Check.Transient ? "' could not be looked up when a slave "
                                   "asked (the server was out of "
                                   "descriptors or memory)"
                                 : "' changed since a slave was told of it");
            if (++R->StaleCompiles == MaxAttempts)
              return runLocally(R, Why);
            Log.log(R->Source + ": " + Why + "; compiling it again");
            return attempt(R);
          }
          ++Compiled[Clients[Slot]->endpoint().str()];
          // The client's clang reports an unwritable output in its own words.
          if (!WriteError.empty())
            return runLocally(R, "cannot store the outputs: " + WriteError);
          JobOutcome Outcome;
          Outcome.Kind = JobOutcome::Disposition::Completed;
          Outcome.ExitCode = Result.ExitCode;
          Outcome.Diagnostics = std::move(Result.Diagnostics);
          R->Done(std::move(Outcome));
        });
      });
}

void JobRunner::runLocally(std::shared_ptr<Running> R,
                           const std::string &Reason) {
  if (R->Cancelled)
    return;
  Log.log((R->Source.empty() ? std::string("job") : R->Source) +
          ": running locally: " + Reason);
  JobOutcome Outcome;
  Outcome.Kind = JobOutcome::Disposition::RunLocally;
  Outcome.Reason = Reason;
  R->Done(std::move(Outcome));
}

std::pair<uint64_t, uint64_t> JobRunner::traffic() const {
  std::pair<uint64_t, uint64_t> Total;
  for (const std::unique_ptr<SlaveClient> &C : Clients) {
    Total.first += C->bytesSent();
    Total.second += C->bytesReceived();
  }
  return Total;
}
