//===- Worker/WorkerMetrics.h - A worker's metrics, as text -----*- C++ -*-===//
//
// What clang-dist-worker --metrics serves (docs/MONITORING.md, "Metrics"):
// the slots' rows added up, and the blob cache's size.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_WORKERMETRICS_H
#define CLANG_DIST_WORKER_WORKERMETRICS_H

#include "Worker/SlotCounters.h"
#include <string>

namespace clang::dist {

struct BlobCacheSize {
  uint64_t Bytes = 0;
  uint64_t Limit = 0;
};

/// Prometheus' text format (PrometheusText.h) of every row of \p Counters.
std::string renderWorkerMetrics(const SharedSlotCounters &Counters,
                                BlobCacheSize Cache);

} // namespace clang::dist

#endif
