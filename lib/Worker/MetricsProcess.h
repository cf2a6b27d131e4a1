//===- Worker/MetricsProcess.h - clang-dist-worker --metrics ----*- C++ -*-===//
//
// The worker's metrics endpoint (MetricsEndpoint.h) runs in a process of its
// own, which the supervisor starts after the slots and starts again if it
// dies, as it does a slot: the supervisor keeps one thread (it forks the
// slots), and code that reads what strangers send is kept out of the process
// that keeps the slots running. It reads the slots' rows through a read-only
// mapping.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_METRICSPROCESS_H
#define CLANG_DIST_WORKER_METRICSPROCESS_H

#include "Support/Log.h"
#include "Worker/Slot.h"
#include "Worker/SlotCounters.h"
#include <chrono>
#include <sys/types.h>

namespace clang::dist {

class MetricsProcess {
public:
  /// Serves on \p ListenFd, a listening socket the supervisor bound; the
  /// blob cache is \p EachSlot's. Everything passed must outlive this.
  MetricsProcess(int ListenFd, SharedSlotCounters &Counters,
                 const SlotOptions &EachSlot, Logger &Log)
      : ListenFd(ListenFd), Counters(Counters), EachSlot(EachSlot), Log(Log) {}

  /// Starts the process (with the caller's signal mask, which it changes).
  void start();
  /// The child \p Pid has ended: if it was this process, starts it again
  /// and returns true.
  bool reaped(pid_t Pid);
  /// Stops the process and waits for it.
  void stop();

private:
  int ListenFd;
  /// The child makes its copy of the handle read-only.
  SharedSlotCounters &Counters;
  const SlotOptions &EachSlot;
  Logger &Log;
  pid_t Pid = -1;
  std::chrono::steady_clock::time_point Started;
};

} // namespace clang::dist

#endif
