//===- LocalServer/JobRunner.h - A job, submission to object ----*- C++ -*-===//
//
// The life of a job in the server: preprocess on the pool, wait for a slot,
// compile on a worker (retrying on another slot if that one fails), write the
// object atomically on the pool, and answer the client. Every way a job can
// fail to be distributed ends in a fallback with its cause logged and
// counted, so the client's own clang compiles it and the build goes on; each
// job's end is one line in the log.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_JOBRUNNER_H
#define CLANG_DIST_LOCALSERVER_JOBRUNNER_H

#include "Config/Config.h"
#include "LocalServer/FallbackWarnings.h"
#include "LocalServer/FarmDiscovery.h"
#include "LocalServer/FileCache.h"
#include "LocalServer/JobCache.h"
#include "LocalServer/LiveStatus.h"
#include "LocalServer/OwnWorkerStart.h"
#include "LocalServer/SlotPool.h"
#include "LocalServer/Sources/SourcesMode.h"
#include "LocalServer/Stats.h"
#include "Protocol/Messages.h"
#include "Support/Log.h"
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>

namespace clang::dist {

struct PreparedJob;

class JobRunner {
public:
  using DoneFn = std::function<void(JobOutcome)>;

  /// All calls on \p IO's thread; blocking work goes to \p Pool. Counts
  /// what becomes of each job in \p Counters. Results are cached as
  /// \p Config says.
  JobRunner(boost::asio::io_context &IO, boost::asio::thread_pool &Pool,
            const DistConfig &Config, Farm TheFarm, Logger &Log,
            Stats &Counters);
  ~JobRunner();

  /// Cancels the job it was returned for: nothing more is written for it and
  /// its DoneFn is not called. Call on the io thread; harmless once done.
  using CancelFn = std::function<void()>;

  CancelFn run(SubmitJob Submit, DoneFn Done);

  /// Jobs compiled by each slot, for the log.
  const std::map<std::string, uint64_t> &compiledBySlot() const {
    return Compiled;
  }
  /// Bytes sent to and received from all workers, for the log.
  std::pair<uint64_t, uint64_t> traffic() const { return Slots.traffic(); }
  /// CPU time spent deciding and preparing jobs (parsing the arguments, and
  /// in the preprocessed mode the preprocessing), for the log and the
  /// benchmarks.
  std::chrono::nanoseconds preparationCpu() const {
    return std::chrono::nanoseconds(PreparationCpu.load());
  }
  /// Fills \p S's jobs, slots, recent fallbacks and throughput.
  void status(ServerStatus &S) const;

private:
  struct Running;
  /// Looks \p R up in the result cache, on the pool; a hit ends it, a miss
  /// goes on to \p Miss on the io thread.
  void lookUp(std::shared_ptr<Running> R, std::function<void()> Miss);
  /// \p First: the job a busy slot refused waits ahead of later ones.
  void attempt(std::shared_ptr<Running> R, bool First = false);
  /// On the pool: checks the answers the compile used, then stores its
  /// outputs.
  void finishRemote(std::shared_ptr<Running> R, size_t Slot,
                    RemoteResult Remote);
  /// The farm failed the job: the client runs it, warned of \p Cause.
  /// \p Reason says what happened, to \p Slot if one is named.
  void fallBack(std::shared_ptr<Running> R, FallbackCause Cause,
                std::string Slot, const std::string &Reason);
  /// A worker asked about a path the job may not read (sources mode): the
  /// client runs it. Whether it did.
  bool fallBackIfRefused(std::shared_ptr<Running> R);
  /// The job stays on the client by design.
  void keepLocal(std::shared_ptr<Running> R, const std::string &Reason);
  /// The server's own worker started with \p Started's slots, or did not.
  void ownWorkerStarted(llvm::Expected<std::vector<SlotAddress>> Started);
  /// Logs, counts and answers the job's end.
  void end(std::shared_ptr<Running> R, JobOutcome Outcome,
           const std::string &Where);

  boost::asio::io_context &IO;
  boost::asio::thread_pool &Pool;
  Logger &Log;
  Stats &Counters;
  FallbackWarnings Warnings;
  DistributionMode Mode;
  /// The farm's, for the fallback of every job when it has no slots.
  std::string NoSlotsReason;
  /// For the life of the server: what the files were found to be.
  SharedFileCache Files;
  /// The sources mode's, in that mode.
  std::unique_ptr<SourcesMode> Sources;
  /// The result cache; none with `cache off`.
  std::unique_ptr<JobCache> Results;
  /// The server's own worker, with no farm configured. Before Slots: it
  /// stops after their connections close.
  std::unique_ptr<OwnWorkerStart> Own;
  SlotPool Slots;
  /// The workers of the config's `farm` registry; none without one.
  std::unique_ptr<FarmDiscovery> Discovery;
  uint64_t NextJobId = 1;
  std::atomic<int64_t> PreparationCpu{0};
  std::map<std::string, uint64_t> Compiled;
  LiveStatus Live;
};

} // namespace clang::dist

#endif
