//===- Worker/RegistrationProcess.h - A worker's farm entry -----*- C++ -*-===//
//
// A worker in a farm keeps its entry (Registry/FarmEntry.h) in the team's
// Redis under a lease: SET with a time to live, renewed every few seconds
// with the slots' current load, deleted when the worker stops. A worker that
// dies without a word (SIGKILL, a machine gone) drops out of the farm when
// the lease runs out. Redis calls block, each within its deadline, so they
// run in a process of their own (HelperProcess.h): the supervisor must not
// wait on the network while a slot needs restarting. A Redis that does not
// answer is told of once per outage and tried again at every renewal; the
// worker serves on.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_REGISTRATIONPROCESS_H
#define CLANG_DIST_WORKER_REGISTRATIONPROCESS_H

#include "Redis/Client.h"
#include "Registry/FarmEntry.h"
#include "Worker/HelperProcess.h"
#include "Worker/SlotCounters.h"
#include <chrono>

namespace clang::dist {

struct RegistrationOptions {
  RedisAddress Registry;
  /// The entry but for Busy, which each renewal counts anew.
  FarmEntry Entry;
  /// The key's time to live; the servers drop a worker this long after its
  /// last renewal at most.
  std::chrono::milliseconds Lease{10000};
  /// Renewed this often: three renewals fit in a lease, so one lost or slow
  /// one does not drop the worker.
  std::chrono::milliseconds RenewEvery{3000};
  std::chrono::milliseconds ConnectTimeout{1000};
  std::chrono::milliseconds CommandTimeout{2000};
};

/// The process, started by the caller (HelperProcess::start). Everything
/// passed must outlive it. The child makes its copy of \p Counters
/// read-only; it reads the slots' Busy gauges.
HelperProcess registrationProcess(const RegistrationOptions &Options,
                                  SharedSlotCounters &Counters, Logger &Log);

} // namespace clang::dist

#endif
