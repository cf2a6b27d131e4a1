//===- LocalServer/JobRunner.cpp - One job from submission to object ------===//

#include "LocalServer/JobRunner.h"
#include "LocalServer/JobPreparation.h"
#include "LocalServer/OutputFiles.h"
#include "LocalServer/Preprocessed/RewriteIncludes.h"
#include "Protocol/Frame.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include <atomic>
#include <boost/asio/post.hpp>
#include <ctime>

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
  uint64_t Id = 0;
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
                     Farm TheFarm, Logger &Log)
    : IO(IO), Pool(Pool), Log(Log), Mode(TheFarm.Mode),
      Sources(Mode == DistributionMode::Sources
                  ? std::make_unique<SourcesMode>(Cache)
                  : nullptr),
      Slots(IO, Config, std::move(TheFarm), Sources.get(), Log) {}

JobRunner::~JobRunner() = default;

JobRunner::CancelFn JobRunner::run(SubmitJob Submit, DoneFn Done) {
  auto R = std::make_shared<Running>();
  uint64_t Id = R->Id = NextJobId++;
  R->Done = [this, Id, Done = std::move(Done)](JobOutcome Outcome) {
    Live.finished(Id);
    Done(std::move(Outcome));
  };
  R->Umask = Submit.Umask;
  // For the log until preprocessing knows better: clang's driver puts the
  // input last.
  if (!Submit.Args.empty())
    R->Source = Submit.Args.back();
  Live.started(Id, R->Source);
  auto Prepare = [this, R, Id, Submit = std::move(Submit)] {
    // A source that crashes clang's preprocessor must not take the server,
    // and every other job of the build, with it; the client's own clang
    // then crashes on it and reports as clang does.
    llvm::CrashRecoveryContext CRC;
    auto Start = threadCpuTime();
    bool Survived =
        CRC.RunSafely([&] { R->Prepared = prepareJob(Submit, Mode, Cache); });
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
      Live.rename(R->Id, R->Source);
      if (!R->Prepared.RunLocallyReason.empty())
        return runLocally(R, R->Prepared.RunLocallyReason);
      attempt(R);
    });
  };
  // Only the preprocessed mode reads files to prepare a job; the others
  // parse its arguments (0.3 ms), less than two hand-offs to the pool and
  // back would cost.
  if (Mode == DistributionMode::Preprocessed)
    boost::asio::post(Pool, std::move(Prepare));
  else
    boost::asio::post(IO, std::move(Prepare));
  return [this, R] {
    if (R->Cancelled.exchange(true))
      return;
    Live.cancelled(R->Id);
    Log.log((R->Source.empty() ? std::string("job") : R->Source) +
            ": cancelled: the client went away");
  };
}

void JobRunner::attempt(std::shared_ptr<Running> R) {
  if (Slots.size() == 0)
    return runLocally(R, "no slots configured");
  Live.moved(R->Id, LiveStatus::JobState::Queued);
  Slots.acquire([this, R](std::optional<size_t> Slot) {
    if (R->Cancelled) {
      if (Slot)
        Slots.release(*Slot);
      return;
    }
    if (!Slot)
      return runLocally(R, R->LastError.empty()
                               ? "every slot is backed off after failures"
                               : R->LastError);
    ++R->Attempts;
    Live.moved(R->Id, LiveStatus::JobState::Compiling, *Slot);
    if (Sources)
      Sources->beforeSend(R->Prepared.Job, R->Prepared.MainFile);
    Slots.client(*Slot).run(
        R->Frame, R->Prepared.Job.Id,
        [this, R, Slot = *Slot](llvm::Expected<RemoteResult> Result) {
          if (Result) {
            Slots.release(Slot);
            if (R->Cancelled)
              return;
            return finishRemote(R, Slot, std::move(*Result));
          }
          SlotFailure::Kind Kind = SlotFailure::Unreachable;
          std::string Message;
          llvm::handleAllErrors(Result.takeError(), [&](const SlotFailure &F) {
            Kind = F.kind();
            Message = F.message();
          });
          // A slot process that died during the job was most likely killed
          // by it, and is already restarted: only the others are backed off.
          bool BackOff = Kind != SlotFailure::Lost;
          if (BackOff)
            Slots.releaseFailed(Slot, Message);
          else
            Slots.release(Slot);
          if (R->Cancelled)
            return;
          R->LastError =
              llvm::formatv("slot {0} failed: {1}", Slots.name(Slot), Message);
          Log.log(R->Source + ": " + R->LastError +
                  (BackOff ? Slots.backedOff() : std::string()));
          if (Kind == SlotFailure::Lost && ++R->SlotsLost == 2)
            return runLocally(R, "the job ended two slot processes; it "
                                 "probably crashes clang");
          if (R->Attempts >= std::min<size_t>(MaxAttempts, Slots.size()))
            return runLocally(R, R->LastError);
          attempt(R);
        });
  });
}

void JobRunner::finishRemote(std::shared_ptr<Running> R, size_t Slot,
                             RemoteResult Remote) {
  // The worker and this server disagree on what a worker runs (another build
  // of clang-dist): the client's clang runs it, as it would have run it.
  if (Remote.Result.Refused)
    return runLocally(R, "slot " + Slots.name(Slot) +
                             " refused it: " + Remote.Result.Diagnostics);
  Live.moved(R->Id, LiveStatus::JobState::Storing, Slot);
  boost::asio::post(
      Pool, [this, R, Slot, Remote = std::move(Remote)]() mutable {
        // Nothing is checked or stored for a client that went away.
        if (R->Cancelled)
          return;
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
                               Result = std::move(Result)]() mutable {
          if (R->Cancelled)
            return;
          if (!Unfaithful.empty())
            return runLocally(R, Unfaithful);
          if (Result.Unanswerable)
            return runLocally(R, "the compile lists a directory, which a "
                                 "worker cannot");
          if (Check.Outcome == AnswerCheck::Verdict::Unavailable)
            return runLocally(R, "'" + Check.Paths.front() +
                                     "' is not a file or directory a worker "
                                     "can be sent");
          if (Check.Outcome == AnswerCheck::Verdict::Changed) {
            Sources->reanswer(Check.Paths);
            std::string Why =
                "'" + Check.Paths.front() +
                (Check.Transient ? "' could not be looked up when a worker "
                                   "asked (the server was out of "
                                   "descriptors or memory)"
                                 : "' changed since a worker was told of it");
            if (++R->StaleCompiles == MaxAttempts)
              return runLocally(R, Why);
            Log.log(R->Source + ": " + Why + "; compiling it again");
            return attempt(R);
          }
          ++Compiled[Slots.name(Slot)];
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
  Live.ranLocally(R->Source, Reason);
  JobOutcome Outcome;
  Outcome.Kind = JobOutcome::Disposition::RunLocally;
  Outcome.Reason = Reason;
  R->Done(std::move(Outcome));
}

void JobRunner::status(ServerStatus &S) const {
  Live.fill(S, [this](size_t Slot) { return Slots.name(Slot); });
  S.SlotCount = static_cast<uint32_t>(Slots.size());
  for (size_t Slot = 0;
       Slot != Slots.size() && S.Slots.size() != ServerStatus::MaxSlots;
       ++Slot) {
    ServerStatus::Slot Out = Slots.describe(Slot);
    if (auto It = Compiled.find(Slots.name(Slot)); It != Compiled.end())
      Out.JobsDone = It->second;
    S.Slots.push_back(std::move(Out));
  }
}
