//===- LocalServer/JobRunner.h - One job from submission to object -*- C++
//-*-===//
//
// The life of a job in the server: preprocess on the pool, wait for a slot,
// compile on a slave (retrying on another slot if that one fails), write the
// object atomically on the pool, and answer the client. Every way a job can
// fail to be distributed ends in RunLocally with the reason logged, so the
// client's own clang compiles it and the build goes on.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_JOBRUNNER_H
#define CLANG_DIST_LOCALSERVER_JOBRUNNER_H

#include "Config/Config.h"
#include "LocalServer/FileCache.h"
#include "LocalServer/Scheduler.h"
#include "LocalServer/SlaveClient.h"
#include "LocalServer/SlotBackoffs.h"
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

  /// All calls on \p IO's thread; blocking work goes to \p Pool. The slots
  /// that \p BackoffsPath says an earlier server backed off start backed off,
  /// and every backoff is written there for the next server; no path: none
  /// (the server's own slaves, on new ports each time).
  JobRunner(boost::asio::io_context &IO, boost::asio::thread_pool &Pool,
            const DistConfig &Config, std::vector<SlaveEndpoint> Slaves,
            std::string BackoffsPath, Logger &Log);
  ~JobRunner();

  /// Cancels the job it was returned for: nothing more is written for it and
  /// its DoneFn is not called. Call on the io thread; harmless once done.
  using CancelFn = std::function<void()>;

  CancelFn run(SubmitJob Submit, DoneFn Done);

  /// Jobs compiled by each slave, for the log.
  const std::map<std::string, uint64_t> &compiledBySlave() const {
    return Compiled;
  }
  /// Bytes sent to and received from all slaves, for the log.
  std::pair<uint64_t, uint64_t> traffic() const;
  /// CPU time spent deciding and preparing jobs (parsing the arguments, and
  /// in the preprocessed mode the preprocessing), for the log and the
  /// benchmarks.
  std::chrono::nanoseconds preparationCpu() const {
    return std::chrono::nanoseconds(PreparationCpu.load());
  }

private:
  struct Running;
  void attempt(std::shared_ptr<Running> R);
  /// Connects to every idle slot that is neither connected nor backed off,
  /// all at once: a job that finds its slot down then finds the others
  /// tried already, instead of trying them one connect timeout after another.
  void probeSlots();
  /// Backs off the slots an earlier server of the config backed off, for
  /// the time it had left, at most our own backoff.
  void restoreBackoffs();
  /// Writes \p Slot's backoff down for the next server.
  void rememberBackoff(size_t Slot, std::string Reason);
  /// What a log line about a failed slot that was backed off ends with.
  std::string backedOff() const;
  /// On the pool: checks the answers the compile used, then stores its
  /// outputs.
  void finishRemote(std::shared_ptr<Running> R, size_t Slot,
                    SlaveAnswer Answer);
  void runLocally(std::shared_ptr<Running> R, const std::string &Reason);

  boost::asio::io_context &IO;
  boost::asio::thread_pool &Pool;
  const DistConfig &Config;
  Logger &Log;
  SharedFileCache Cache;
  ChangeWatch Watch;
  AnswerBook Book{Cache, Watch};
  std::vector<std::unique_ptr<SlaveClient>> Clients;
  Scheduler Slots;
  std::string BackoffsPath;
  /// The backoffs written to BackoffsPath, some perhaps expired.
  std::vector<SlotBackoff> Backoffs;
  uint64_t NextJobId = 1;
  std::atomic<int64_t> PreparationCpu{0};
  std::map<std::string, uint64_t> Compiled;
};

} // namespace clang::dist

#endif
