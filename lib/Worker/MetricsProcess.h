//===- Worker/MetricsProcess.h - clang-dist-worker --metrics ----*- C++ -*-===//
//
// The worker's metrics endpoint (MetricsEndpoint.h) runs in a process of its
// own (HelperProcess.h): code that reads what strangers send is kept out of
// the process that keeps the slots running. It reads the slots' rows through
// a read-only mapping.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_METRICSPROCESS_H
#define CLANG_DIST_WORKER_METRICSPROCESS_H

#include "Support/Log.h"
#include "Worker/HelperProcess.h"
#include "Worker/Slot.h"
#include "Worker/SlotCounters.h"

namespace clang::dist {

/// The process, started by the caller (HelperProcess::start), serving on
/// \p ListenFd, a listening socket the supervisor bound; the blob cache is
/// \p EachSlot's. Everything passed must outlive it. The child makes its copy
/// of \p Counters read-only.
HelperProcess metricsProcess(int ListenFd, SharedSlotCounters &Counters,
                             const SlotOptions &EachSlot, Logger &Log);

} // namespace clang::dist

#endif
