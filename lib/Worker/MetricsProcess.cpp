//===- Worker/MetricsProcess.cpp - clang-dist-worker --metrics ------------===//

#include "Worker/MetricsProcess.h"
#include "Protocol/MetricsEndpoint.h"
#include "Support/Subprocess.h"
#include "Worker/BlobStore.h"
#include "Worker/WorkerMetrics.h"
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <csignal>
#include <sys/wait.h>
#include <thread>

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

void MetricsProcess::start() {
  Started = std::chrono::steady_clock::now();
  ProcessOptions Child;
  Child.Argv = {"clang-dist-worker:metrics"};
  Child.Run = [this] {
    Log.setComponent("clang-dist-worker:metrics");
    return serveMetrics(ListenFd, Counters, EachSlot, Log);
  };
  Child.KeepFds = {ListenFd};
  ::sigprocmask(SIG_SETMASK, nullptr, &Child.SignalMask);
  Child.ParentDeathSignal = SIGTERM;
  llvm::Expected<pid_t> Started = startProcess(Child);
  if (!Started) {
    Log.log(llvm::toString(Started.takeError()));
    return;
  }
  Pid = *Started;
}

bool MetricsProcess::reaped(pid_t Ended) {
  if (Ended != Pid)
    return false;
  Pid = -1;
  Log.log("the metrics process ended; restarting it");
  // One that dies right after starting would spin: slow it down.
  if (std::chrono::steady_clock::now() - Started < std::chrono::seconds(1))
    std::this_thread::sleep_for(std::chrono::seconds(1));
  start();
  return true;
}

void MetricsProcess::stop() {
  if (Pid <= 0)
    return;
  ::kill(Pid, SIGTERM);
  int Status;
  while (::waitpid(Pid, &Status, 0) < 0 && errno == EINTR)
    ;
  Pid = -1;
}
