//===- Worker/MetricsProcess.cpp - clang-dist-worker --metrics ------------===//

#include "Worker/MetricsProcess.h"
#include "Protocol/MetricsEndpoint.h"
#include "Worker/BlobStore.h"
#include "Worker/WorkerMetrics.h"
#include <boost/asio/signal_set.hpp>
#include <csignal>

using namespace clang::dist;

static int serveMetrics(int ListenFd, SharedSlotCounters &Counters,
                        const SlotOptions &EachSlot, Logger &Log) {
  Counters.makeReadOnly();
  auto Store = BlobStore::open(EachSlot.CacheDir, EachSlot.CacheLimit);
  if (!Store) {
    Log.log(llvm::toString(Store.takeError()));
    return 1;
  }
  boost::asio::io_context IO;
  MetricsEndpoint Endpoint(IO, [&] {
    return renderWorkerMetrics(Counters, {Store->bytes(), EachSlot.CacheLimit});
  });
  if (llvm::Error E = Endpoint.start(ListenFd)) {
    Log.log(llvm::toString(std::move(E)));
    return 1;
  }
  // The supervisor starts it with them blocked, so that none arrives before
  // this handles it.
  boost::asio::signal_set Signals(IO, SIGTERM, SIGINT);
  Signals.async_wait([&](boost::system::error_code EC, int) {
    if (!EC)
      IO.stop();
  });
  sigset_t Handled;
  sigemptyset(&Handled);
  sigaddset(&Handled, SIGTERM);
  sigaddset(&Handled, SIGINT);
  ::sigprocmask(SIG_UNBLOCK, &Handled, nullptr);
  IO.run();
  return 0;
}

HelperProcess clang::dist::metricsProcess(int ListenFd,
                                          SharedSlotCounters &Counters,
                                          const SlotOptions &EachSlot,
                                          Logger &Log) {
  return HelperProcess(
      "clang-dist-worker:metrics", {ListenFd},
      [ListenFd, &Counters, &EachSlot, &Log] {
        return serveMetrics(ListenFd, Counters, EachSlot, Log);
      },
      Log);
}
