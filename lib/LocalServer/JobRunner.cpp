//===- LocalServer/JobRunner.cpp - One job from submission to object ------===//

#include "LocalServer/JobRunner.h"
#include "LocalServer/JobPreparation.h"
#include "LocalServer/RewriteIncludes.h"
#include "Protocol/Compression.h"
#include "Protocol/Errors.h"
#include "Protocol/Frame.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include <atomic>
#include <boost/asio/post.hpp>
#include <ctime>
#include <sys/stat.h>

using namespace clang::dist;

namespace {
/// A job is offered to at most this many slots before it runs locally.
constexpr unsigned MaxAttempts = 3;

llvm::Error cannotWrite(const std::string &Path, std::error_code EC) {
  return llvm::createStringError(EC, "cannot write '%s': %s", Path.c_str(),
                                 EC.message().c_str());
}

/// As clang writes an output: into a temporary file beside the target, then
/// renamed over it, so that nobody ever sees half an object, and with the mode
/// clang would give a new file under the client's umask.
llvm::Error writeOutputFile(const std::string &Path, llvm::StringRef Bytes,
                            uint32_t Umask) {
  // As clang does, write a special file (-o /dev/null) directly: renaming a
  // temporary over it would replace the device.
  llvm::sys::fs::file_status Status;
  if (!llvm::sys::fs::status(Path, Status) && llvm::sys::fs::exists(Status) &&
      !llvm::sys::fs::is_regular_file(Status)) {
    std::error_code EC;
    llvm::raw_fd_ostream OS(Path, EC, llvm::sys::fs::OF_None);
    if (EC)
      return cannotWrite(Path, EC);
    OS << Bytes;
    OS.close();
    EC = OS.error();
    OS.clear_error();
    return EC ? cannotWrite(Path, EC) : llvm::Error::success();
  }
  int Fd;
  llvm::SmallString<256> TempPath;
  if (std::error_code EC = llvm::sys::fs::createUniqueFile(
          Path + "-%%%%%%%%.tmp", Fd, TempPath, llvm::sys::fs::OF_None, 0600))
    return llvm::createStringError(EC, "cannot create a file beside '%s': %s",
                                   Path.c_str(), EC.message().c_str());
  std::error_code EC;
  if (::fchmod(Fd, 0666 & ~Umask) != 0)
    EC = std::error_code(errno, std::generic_category());
  {
    llvm::raw_fd_ostream OS(Fd, /*shouldClose=*/true);
    OS << Bytes;
    OS.close();
    if (!EC)
      EC = OS.error();
    OS.clear_error();
  }
  if (EC || (EC = llvm::sys::fs::rename(TempPath, Path))) {
    llvm::sys::fs::remove(TempPath);
    return cannotWrite(Path, EC);
  }
  return llvm::Error::success();
}
/// Writes what a remote compile produced where the client's clang would
/// have: the dependency file and the .dwo first, so that the object, renamed
/// into place last, is never older than them and never refers to a .dwo that
/// is not there yet. A failed compile leaves only its dependency file, as
/// clang does, and that only if clang wrote one (not after a missing header).
llvm::Error storeOutputs(const PreparedJob &Job, const CompileResult &Result,
                         uint32_t Umask) {
  const std::string *Paths[] = {&Job.DependencyPath, &Job.SplitDwarfPath,
                                &Job.ObjectPath};
  const OutputKind Kinds[] = {OutputKind::Dependencies, OutputKind::SplitDwarf,
                              OutputKind::Primary};
  bool Failed = Result.ExitCode != 0;
  // The preprocessed mode's dependency file is the server's own.
  std::optional<std::string> Contents[3] = {Job.Dependencies};
  unsigned Expected = 0;
  for (unsigned I = 0; I != 3; ++I)
    Expected += !Paths[I]->empty() && !Failed && !Contents[I];
  unsigned Matched = 0;
  for (const OutputBlob &B : Result.Outputs)
    for (unsigned I = 0; I != 3; ++I)
      if (B.Kind == Kinds[I] && !Paths[I]->empty() && !Contents[I] &&
          (!Failed || B.Kind == OutputKind::Dependencies)) {
        llvm::Expected<std::string> Bytes = decompress(B.Compressed, B.RawSize);
        if (!Bytes)
          return Bytes.takeError();
        Contents[I] = std::move(*Bytes);
        ++Matched;
      }
  if (Matched != Result.Outputs.size() || (!Failed && Matched != Expected))
    return protocolError(llvm::formatv("slave sent {0} outputs, not the {1} "
                                       "expected",
                                       Result.Outputs.size(), Expected));
  // All or none: the client's clang runs the job again after a failure (a
  // full disk), and must not find a dependency file this attempt wrote.
  for (unsigned I = 0; I != 3; ++I) {
    if (!Contents[I])
      continue;
    if (llvm::Error E = writeOutputFile(*Paths[I], *Contents[I], Umask)) {
      for (unsigned J = 0; J != I; ++J)
        if (Contents[J])
          llvm::sys::fs::remove(*Paths[J]);
      return E;
    }
  }
  return llvm::Error::success();
}

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
  /// Set on the io thread, read on the pool before outputs are written.
  std::atomic<bool> Cancelled{false};
};

JobRunner::JobRunner(boost::asio::io_context &IO,
                     boost::asio::thread_pool &Pool, const DistConfig &Config,
                     std::vector<SlaveEndpoint> Slaves,
                     std::string BackoffsPath, Logger &Log)
    : IO(IO), Pool(Pool), Config(Config), Log(Log),
      Slots(Slaves.size(), Config.SlaveBackoff),
      BackoffsPath(std::move(BackoffsPath)) {
  for (SlaveEndpoint &E : Slaves)
    Clients.push_back(
        std::make_unique<SlaveClient>(IO, std::move(E), Config, Book));
  if (!this->BackoffsPath.empty())
    restoreBackoffs();
}

void JobRunner::restoreBackoffs() {
  auto Buffer = llvm::MemoryBuffer::getFile(BackoffsPath);
  if (!Buffer) {
    if (Buffer.getError() != std::errc::no_such_file_or_directory)
      Log.log("cannot read '" + BackoffsPath +
              "': " + Buffer.getError().message());
    return;
  }
  llvm::Expected<std::vector<SlotBackoff>> Read =
      parseSlotBackoffs((*Buffer)->getBuffer());
  if (!Read)
    return Log.log("ignoring '" + BackoffsPath +
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
  if (BackoffsPath.empty() || Config.SlaveBackoff.count() == 0)
    return;
  int64_t Now = std::time(nullptr);
  std::string Name = Clients[Slot]->endpoint().str();
  llvm::erase_if(Backoffs, [&](const SlotBackoff &B) {
    return B.Until <= Now || B.Slot == Name;
  });
  Backoffs.push_back(
      {std::move(Name), Now + Config.SlaveBackoff.count(), std::move(Reason)});
  if (llvm::Error E = writeSlotBackoffs(BackoffsPath, Backoffs))
    Log.log("cannot write '" + BackoffsPath +
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
    Clients[Slot]->probe([this, Slot](llvm::Expected<SlaveAnswer> Result) {
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
        [&] { R->Prepared = prepareJob(Submit, Config.Mode, Cache); });
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
  if (Config.Mode == DistributionMode::Preprocessed)
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
        if (R->Prepared.Job.Kind == SourceKind::Sources) {
          // Spelled as the slave's compile spells it.
          llvm::SmallString<256> Main(R->Prepared.MainFile);
          llvm::sys::fs::make_absolute(R->Prepared.Job.WorkingDir, Main);
          Book.refresh(Main);
        }
        SlaveClient &Client = *Clients[*Slot];
        Client.run(
            R->Frame, R->Prepared.Job.Id,
            [this, R, Slot = *Slot](llvm::Expected<SlaveAnswer> Result) {
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
                             SlaveAnswer Answer) {
  // The slave and this server disagree on what a slave runs (another build
  // of clang-dist): the client's clang runs it, as it would have run it.
  if (Answer.Result.Refused)
    return runLocally(R, "slave " + Clients[Slot]->endpoint().str() +
                             " refused it: " + Answer.Result.Diagnostics);
  boost::asio::post(
      Pool, [this, R, Slot, Answer = std::move(Answer)]() mutable {
        CompileResult &Result = Answer.Result;
        AnswerCheck Check = checkAnswers(Cache, Watch, Answer.Consulted);
        std::string Unfaithful;
        if (R->Prepared.Job.Kind == SourceKind::RewrittenIncludes)
          Unfaithful = whyDiagnosticsDiffer(Result.Diagnostics);
        std::string WriteError;
        if (Check.Outcome == AnswerCheck::Verdict::True &&
            !Result.Unanswerable && Unfaithful.empty())
          if (llvm::Error E = storeOutputs(R->Prepared, Result, R->Umask))
            WriteError = llvm::toString(std::move(E));
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
            // Every slave gets the new answers with its next job.
            for (const std::string &Path : Check.Paths)
              Book.reanswer(Path);
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
