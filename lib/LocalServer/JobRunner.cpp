//===- LocalServer/JobRunner.cpp - One job from submission to object ------===//

#include "LocalServer/JobRunner.h"
#include "LocalServer/JobPreparation.h"
#include "LocalServer/OutputFiles.h"
#include "LocalServer/Preprocessed/RewriteIncludes.h"
#include "Protocol/Errors.h"
#include "Protocol/Frame.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include <atomic>
#include <boost/asio/post.hpp>
#include <ctime>

using Clock = std::chrono::steady_clock;

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
  /// The job as submitted, until it is prepared.
  SubmitJob Submit;
  PreparedJob Prepared;
  std::shared_ptr<const std::string> Frame;
  unsigned Attempts = 0;
  /// Slots whose process died while they had this job.
  unsigned SlotsLost = 0;
  /// Compiles that used an answer about the files that no longer held.
  unsigned StaleCompiles = 0;
  /// The last slot failure: what the slot's client said, its cause and the
  /// slot.
  std::string LastError;
  FallbackCause LastCause = FallbackCause::None;
  std::string LastSlot;
  /// Jobs sent to a slot; all but the first are retries.
  unsigned Sends = 0;
  Clock::time_point Start = Clock::now();
  uint32_t Umask = 022;
  /// The result cache's key of the job, with the cache on.
  ContentDigest Key{};
  /// Its outputs came from the result cache.
  bool FromCache = false;
  /// Set on the io thread, read on the pool before each output appears.
  std::atomic<bool> Cancelled{false};
};

JobRunner::JobRunner(boost::asio::io_context &IO,
                     boost::asio::thread_pool &Pool, const DistConfig &Config,
                     Farm TheFarm, Logger &Log, Stats &Counters)
    : IO(IO), Pool(Pool), Log(Log), Counters(Counters),
      Warnings(Config.FallbackWarnings), Mode(TheFarm.Mode),
      NoSlotsReason(TheFarm.NoSlotsReason),
      Sources(Mode == DistributionMode::Sources
                  ? std::make_unique<SourcesMode>(Files, Config.SharedPaths)
                  : nullptr),
      Results(JobCache::open(Config, Files, Log)),
      Own(TheFarm.StartOwnWorker
              ? std::make_unique<OwnWorkerStart>(
                    IO, Pool, std::move(TheFarm.StartOwnWorker),
                    [this](llvm::Expected<std::vector<SlotAddress>> Started) {
                      ownWorkerStarted(std::move(Started));
                    })
              : nullptr),
      Slots(IO, Config, std::move(TheFarm), Sources.get(), Log, Counters) {
  if (Config.Farm) {
    Discovery = std::make_unique<FarmDiscovery>(IO, Pool, *Config.Farm, Slots,
                                                Log, Counters);
    Discovery->start();
  }
}

JobRunner::~JobRunner() = default;

void JobRunner::ownWorkerStarted(
    llvm::Expected<std::vector<SlotAddress>> Started) {
  if (!Started) {
    NoSlotsReason = "no local worker: " + llvm::toString(Started.takeError());
    return Log.log(NoSlotsReason + ", every job runs on the client");
  }
  Slots.join(*Started);
  std::string Where;
  for (const SlotAddress &E : *Started)
    Where += " " + E.str();
  Log.log("started the local worker, which reads this machine's files:" +
          Where);
}

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
  R->Submit = std::move(Submit);
  // A job of the sources mode or the server's own worker is looked up before
  // it is prepared: its key is its arguments, so a hit needs no
  // CompilerInvocation. The preprocessed mode's key needs the text.
  bool LookUpFirst =
      Results && Results->active() && Mode != DistributionMode::Preprocessed;
  auto Prepare = [this, R, Id, LookUpFirst] {
    // A source that crashes clang's preprocessor must not take the server,
    // and every other job of the build, with it; the client's own clang
    // then crashes on it and reports as clang does.
    llvm::CrashRecoveryContext CRC;
    auto Start = threadCpuTime();
    bool Survived = CRC.RunSafely(
        [&] { R->Prepared = prepareJob(R->Submit, Mode, Files); });
    PreparationCpu += (threadCpuTime() - Start).count();
    R->Submit = SubmitJob();
    if (!Survived) {
      R->Prepared = PreparedJob();
      R->Prepared.RunLocallyReason = "the preprocessor crashed";
    }
    R->Prepared.Job.Id = Id;
    if (R->Prepared.RunLocallyReason.empty() && Results && !LookUpFirst)
      R->Key = JobCache::key(R->Prepared.Job);
    if (R->Prepared.RunLocallyReason.empty()) {
      R->Frame =
          std::make_shared<const std::string>(encodeFrame(R->Prepared.Job));
      // The frame holds the only copy the job still needs.
      R->Prepared.Job.Files.clear();
    }
    auto Prepared = [this, R, LookUpFirst] {
      if (R->Cancelled)
        return;
      // Here, not on the pool: the cancel reads it on this thread.
      if (!R->Prepared.MainFile.empty())
        R->Source = R->Prepared.MainFile;
      Live.rename(R->Id, R->Source);
      if (!R->Prepared.RunLocallyReason.empty())
        return keepLocal(R, R->Prepared.RunLocallyReason);
      if (!Results || !Results->active())
        return attempt(R);
      auto Miss = [this, R] {
        Counters.add(statkeys::CacheMiss);
        attempt(R);
      };
      if (LookUpFirst)
        return Miss();
      lookUp(R, Miss);
    };
    if (Mode == DistributionMode::Preprocessed)
      boost::asio::post(IO, std::move(Prepared));
    else
      Prepared();
  };
  // Only the preprocessed mode reads files to prepare a job; the others
  // parse its arguments (0.3 ms), less than two hand-offs to the pool and
  // back would cost.
  if (Mode == DistributionMode::Preprocessed) {
    boost::asio::post(Pool, std::move(Prepare));
  } else if (LookUpFirst) {
    CompileJob Probe;
    Probe.Mode = Mode;
    Probe.WorkingDir = R->Submit.WorkingDir;
    Probe.Args = R->Submit.Args;
    R->Key = JobCache::key(Probe);
    lookUp(R, std::move(Prepare));
  } else {
    boost::asio::post(IO, std::move(Prepare));
  }
  return [this, R] {
    if (R->Cancelled.exchange(true))
      return;
    if (Sources)
      Sources->forget(R->Id);
    Live.cancelled(R->Id);
    Counters.add(statkeys::JobsCancelled);
    Log.log((R->Source.empty() ? std::string("job") : R->Source) +
            ": cancelled: the client went away");
  };
}

void JobRunner::lookUp(std::shared_ptr<Running> R, std::function<void()> Miss) {
  boost::asio::post(Pool, [this, R, Miss = std::move(Miss)] {
    if (R->Cancelled)
      return;
    std::optional<ResultCache::Hit> Hit = Results->lookup(R->Key, Mode);
    // Looked up before preparation (all modes but the preprocessed one), a
    // job has only its arguments to say where its outputs go.
    std::optional<OutputPaths> Paths;
    if (Hit)
      Paths = Mode == DistributionMode::Preprocessed ? R->Prepared.Outputs
                                                     : outputPaths(R->Submit);
    if (!Paths)
      Hit.reset();
    std::string WriteError;
    if (Hit)
      llvm::handleAllErrors(
          storeOutputs(*Paths, R->Prepared.Dependencies,
                       Hit->Result.ExitCode != 0, Hit->Result.Outputs, R->Umask,
                       [&] { return R->Cancelled.load(); }),
          [](const StoreCancelled &) {},
          // Outputs that do not fit the job: an entry of another job's
          // (a forged one), which the compile replaces.
          [&](const ProtocolError &E) {
            Log.log(R->Source +
                    ": a cached result does not fit the job: " + E.message());
            Hit.reset();
          },
          [&](const llvm::ErrorInfoBase &E) { WriteError = E.message(); });
    boost::asio::post(IO, [this, R, Hit = std::move(Hit), WriteError,
                           Miss = std::move(Miss)] {
      if (R->Cancelled)
        return;
      if (!Hit)
        return Miss();
      R->FromCache = true;
      if (!WriteError.empty())
        return fallBack(R, FallbackCause::CannotStore, "",
                        "cannot store the outputs: " + WriteError);
      if (Hit->Shared)
        Counters.add(statkeys::CacheHitShared);
      JobOutcome Outcome;
      Outcome.Kind = JobOutcome::Disposition::Completed;
      Outcome.ExitCode = Hit->Result.ExitCode;
      Outcome.Diagnostics = std::move(Hit->Result.Diagnostics);
      end(R, std::move(Outcome),
          Hit->Shared ? "from the shared cache" : "from the cache");
    });
  });
}

bool JobRunner::fallBackIfRefused(std::shared_ptr<Running> R) {
  std::optional<std::string> Path =
      Sources ? Sources->refusedPath(R->Id) : std::nullopt;
  if (Path)
    fallBack(R, FallbackCause::PathOutsideShared, "",
             "a worker asked about '" + *Path +
                 "', which the job may not read (a 'share' line in the "
                 "config would let it)");
  return Path.has_value();
}

void JobRunner::attempt(std::shared_ptr<Running> R, bool First) {
  if (fallBackIfRefused(R))
    return;
  // A new server's first jobs wait for the farm to be found, or for its
  // own worker to start.
  auto Again = [this, R] {
    if (!R->Cancelled)
      attempt(R);
  };
  if (Discovery && !Discovery->listed())
    return Discovery->afterFirstListing(std::move(Again));
  if (Own && !Own->done())
    return Own->afterStart(std::move(Again));
  if (Slots.live() == 0)
    return fallBack(R, FallbackCause::NoSlots, "",
                    Discovery ? Discovery->noSlotsReason() : NoSlotsReason);
  Live.moved(R->Id, LiveStatus::JobState::Queued);
  Slots.acquire(
      [this, R](std::optional<size_t> Slot) {
        if (R->Cancelled) {
          if (Slot)
            Slots.release(*Slot);
          return;
        }
        if (!Slot) {
          if (R->LastError.empty())
            return fallBack(R, FallbackCause::BackedOff, "",
                            "every slot is backed off after failures");
          return fallBack(R, R->LastCause, R->LastSlot, R->LastError);
        }
        ++R->Attempts;
        Live.moved(R->Id, LiveStatus::JobState::Compiling, *Slot);
        if (R->Sends++ > 0)
          Counters.add(statkeys::Retries);
        if (Sources)
          Sources->beforeSend(R->Prepared.Job, R->Prepared.MainFile,
                              R->Prepared.Readable);
        SlotClient &Client = Slots.client(*Slot);
        Client.run(
            R->Frame, R->Prepared.Job.Id,
            [this, R, Slot = *Slot, Sent = Client.bytesSent(),
             Received = Client.bytesReceived(),
             Start = Clock::now()](llvm::Expected<RemoteResult> Result) {
              SlotClient &Client = Slots.client(Slot);
              Counters.add(statkeys::BytesSent, Client.bytesSent() - Sent);
              Counters.add(statkeys::BytesReceived,
                           Client.bytesReceived() - Received);
              if (Result) {
                Counters.add(
                    statkeys::WorkerCompileMs,
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        Clock::now() - Start)
                        .count());
                Slots.release(Slot);
                if (R->Cancelled)
                  return;
                return finishRemote(R, Slot, std::move(*Result));
              }
              if (Result.errorIsA<SlotBusyError>()) {
                llvm::consumeError(Result.takeError());
                Slots.refused(Slot);
                // Nothing of the job ran: no attempt, no retry.
                --R->Attempts;
                --R->Sends;
                if (R->Cancelled || fallBackIfRefused(R))
                  return;
                Log.log(llvm::formatv(
                    "{0}: slot {1} busy with another connection's "
                    "job; the job goes elsewhere",
                    R->Source, Slots.name(Slot)));
                return attempt(R, /*First=*/true);
              }
              SlotFailure::Kind Kind = SlotFailure::Unreachable;
              std::string Message;
              llvm::handleAllErrors(Result.takeError(),
                                    [&](const SlotFailure &F) {
                                      Kind = F.kind();
                                      Message = F.message();
                                    });
              // A slot process that died during the job was most likely killed
              // by it, and is already restarted: only the others are backed
              // off.
              bool BackOff = Kind != SlotFailure::Lost;
              Slots.countFailure(Slot, Kind);
              if (BackOff)
                Slots.releaseFailed(Slot, Message);
              else
                Slots.release(Slot);
              if (R->Cancelled || fallBackIfRefused(R))
                return;
              R->LastError = Message;
              R->LastCause = fallbackCause(Kind);
              R->LastSlot = Slots.name(Slot);
              Log.log(llvm::formatv(
                  "{0}: slot {1} failed: {2}{3}", R->Source, R->LastSlot,
                  Message, BackOff ? Slots.backedOff() : std::string()));
              // The job, not the slot, is suspect: no slot is named.
              if (Kind == SlotFailure::Lost && ++R->SlotsLost == 2)
                return fallBack(R, FallbackCause::CrashesClang, "",
                                "the job ended two slot processes; it "
                                "probably crashes clang");
              if (R->Attempts >= std::min<size_t>(MaxAttempts, Slots.size()))
                return fallBack(R, R->LastCause, R->LastSlot, R->LastError);
              attempt(R);
            });
      },
      First);
}

void JobRunner::finishRemote(std::shared_ptr<Running> R, size_t Slot,
                             RemoteResult Remote) {
  // Whatever the compile made of a refusal, the client's clang reads the file.
  if (fallBackIfRefused(R))
    return;
  // The worker and this server disagree on what a worker runs (another build
  // of clang-dist): the client's clang runs it, as it would have run it.
  if (Remote.Result.Refused)
    return fallBack(
        R, FallbackCause::WorkerRefused, Slots.name(Slot),
        "refused the job: " +
            peerText(llvm::StringRef(Remote.Result.Diagnostics).rtrim('\n')));
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
        bool Keep = Check.Outcome == AnswerCheck::Verdict::True &&
                    !Result.Unanswerable && Unfaithful.empty();
        std::vector<OutputBytes> Written;
        if (Keep) {
          llvm::Expected<std::vector<OutputBytes>> Outputs =
              decompressOutputs(Result);
          llvm::Error Stored =
              Outputs
                  ? storeOutputs(R->Prepared.Outputs, R->Prepared.Dependencies,
                                 Result.ExitCode != 0, *Outputs, R->Umask,
                                 [&] { return R->Cancelled.load(); })
                  : Outputs.takeError();
          llvm::handleAllErrors(
              std::move(Stored),
              // The io thread drops a cancelled job.
              [](const StoreCancelled &) {},
              [&](const llvm::ErrorInfoBase &E) { WriteError = E.message(); });
          if (Outputs)
            Written = std::move(*Outputs);
        }
        // Kept after the client has its answer, from a copy of what a hit
        // gives.
        std::string NotCached;
        std::optional<CompileResult> ToCache;
        if (Results && Results->active() && Keep && WriteError.empty()) {
          NotCached =
              JobCache::whyNotCacheable(Result, R->Prepared.Job.Mode).str();
          if (NotCached.empty()) {
            ToCache.emplace();
            ToCache->ExitCode = Result.ExitCode;
            ToCache->Diagnostics = Result.Diagnostics;
            ToCache->Outputs = std::move(Result.Outputs);
            ToCache->Inputs = std::move(Result.Inputs);
            Results->willInsert(R->Key);
          }
        }
        boost::asio::post(IO, [this, R, Slot, Check, Unfaithful, WriteError,
                               NotCached,
                               Result = std::move(Result)]() mutable {
          if (R->Cancelled)
            return;
          if (!NotCached.empty()) {
            Counters.add(statkeys::CacheUncacheable);
            Counters.add(statkeys::uncacheable(NotCached));
          }
          // What the mode cannot carry keeps the job local by design, as
          // the policy would had it known.
          if (!Unfaithful.empty())
            return keepLocal(R, Unfaithful);
          if (Result.Unanswerable)
            return keepLocal(R, "the compile lists a directory, which a "
                                "worker cannot");
          if (Check.Outcome == AnswerCheck::Verdict::Unavailable)
            return keepLocal(R, "'" + Check.Paths.front() +
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
              return fallBack(R, FallbackCause::StaleAnswers, "", Why);
            Log.log(R->Source + ": " + Why + "; compiling it again");
            return attempt(R);
          }
          // The slot compiled it, whether or not its outputs could be stored.
          ++Compiled[Slots.name(Slot)];
          Counters.add(statkeys::slot(Slots.statsName(Slot), "jobs"));
          // The client's clang reports an unwritable output in its own words.
          if (!WriteError.empty())
            return fallBack(R, FallbackCause::CannotStore, "",
                            "cannot store the outputs: " + WriteError);
          JobOutcome Outcome;
          Outcome.Kind = JobOutcome::Disposition::Completed;
          Outcome.ExitCode = Result.ExitCode;
          Outcome.Diagnostics = std::move(Result.Diagnostics);
          end(R, std::move(Outcome), "compiled on slot " + Slots.name(Slot));
        });
        if (ToCache)
          Results->insert(R->Key, R->Prepared.Job.Mode, Remote.Consulted,
                          *ToCache, Written);
      });
}

void JobRunner::fallBack(std::shared_ptr<Running> R, FallbackCause Cause,
                         std::string Slot, const std::string &Reason) {
  JobOutcome Outcome;
  Outcome.Kind = JobOutcome::Disposition::Fallback;
  Outcome.Cause = Cause;
  Outcome.Slot = std::move(Slot);
  Outcome.Reason = Reason;
  std::string Why = Outcome.Slot.empty()
                        ? Reason
                        : "slot " + Outcome.Slot + " failed: " + Reason;
  end(R, std::move(Outcome),
      "running locally: " + Why +
          " (fallback: " + fallbackCauseName(Cause).str());
}

void JobRunner::keepLocal(std::shared_ptr<Running> R,
                          const std::string &Reason) {
  JobOutcome Outcome;
  Outcome.Kind = JobOutcome::Disposition::LocalByDesign;
  Outcome.Reason = Reason;
  end(R, std::move(Outcome), "running locally: " + Reason + " (by design");
}

void JobRunner::end(std::shared_ptr<Running> R, JobOutcome Outcome,
                    const std::string &Where) {
  if (R->Cancelled)
    return;
  if (Sources)
    Sources->forget(R->Id);
  if (Results)
    if (std::optional<std::string> Notice = Results->takeNotice())
      Outcome.Notice = std::move(*Notice);
  if (Discovery && Outcome.Notice.empty())
    if (std::optional<std::string> Notice = Discovery->takeNotice())
      Outcome.Notice = std::move(*Notice);
  switch (Outcome.Kind) {
  case JobOutcome::Disposition::Completed:
    Counters.add(R->FromCache ? statkeys::CacheHit : statkeys::JobsRemote);
    break;
  case JobOutcome::Disposition::Fallback:
    Counters.add(statkeys::JobsLocalFallback);
    Counters.add(statkeys::fallback(Outcome.Cause));
    Warnings.decide(Outcome, Clock::now());
    Live.ranLocally(R->Source, Outcome.Slot.empty()
                                   ? Outcome.Reason
                                   : "slot " + Outcome.Slot +
                                         " failed: " + Outcome.Reason);
    break;
  case JobOutcome::Disposition::LocalByDesign:
    Counters.add(statkeys::JobsLocalByDesign);
    break;
  }
  // One line per job, whatever its end: where it ran and how long the server
  // had it.
  double Seconds =
      std::chrono::duration<double>(Clock::now() - R->Start).count();
  bool Remote = Outcome.Kind == JobOutcome::Disposition::Completed;
  Log.log(llvm::formatv("{0}: {1}{2}{3:f3} s)",
                        R->Source.empty() ? std::string("job") : R->Source,
                        Where, Remote ? " (" : ", ", Seconds));
  R->Done(std::move(Outcome));
}

void JobRunner::status(ServerStatus &S) const {
  Live.fill(S, [this](size_t Slot) { return Slots.name(Slot); });
  S.SlotCount = static_cast<uint32_t>(Slots.live());
  for (size_t Slot = 0;
       Slot != Slots.size() && S.Slots.size() != ServerStatus::MaxSlots;
       ++Slot) {
    // Their workers left the farm.
    if (Slots.isRetired(Slot))
      continue;
    ServerStatus::Slot Out = Slots.describe(Slot);
    if (auto It = Compiled.find(Slots.name(Slot)); It != Compiled.end())
      Out.JobsDone = It->second;
    S.Slots.push_back(std::move(Out));
  }
}
