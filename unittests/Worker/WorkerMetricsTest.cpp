//===- unittests/Worker/WorkerMetricsTest.cpp - A worker's metrics --------===//

#include "Worker/WorkerMetrics.h"
#include "ExpectedMatchers.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;
using namespace std::chrono_literals;

TEST_CASE("A worker's metrics add up its slots' rows", "[WorkerMetrics]") {
  SharedSlotCounters Rows = unwrap(SharedSlotCounters::create(2));
  Rows.row(0).jobEnded(DistributionMode::Sources, SlotOutcome::Completed,
                       1500ms);
  Rows.row(1).jobEnded(DistributionMode::Sources, SlotOutcome::Completed,
                       500ms);
  Rows.row(1).jobEnded(DistributionMode::LocalFiles, SlotOutcome::Refused,
                       std::nullopt);
  Rows.row(0).Busy = 1;
  Rows.row(1).Busy = 1;
  Rows.row(1).Queued = 3;
  Rows.row(0).BlobHits = 5;
  Rows.row(1).BlobMisses = 2;
  Rows.row(0).refused(PeerRefusal::ClangVersion);
  std::string Text = renderWorkerMetrics(Rows, {1234, 1 << 30});
  auto Has = [&](llvm::StringRef Line) {
    INFO(Line.str());
    CHECK(llvm::StringRef(Text).contains(("\n" + Line + "\n").str()));
  };
  Has("# TYPE clang_dist_worker_slots gauge");
  Has("clang_dist_worker_slots 2");
  Has("clang_dist_worker_slots_busy 2");
  Has("clang_dist_worker_jobs_queued 3");
  Has("clang_dist_worker_connections_open 0");
  Has("# TYPE clang_dist_worker_jobs_total counter");
  Has("clang_dist_worker_jobs_total{mode=\"sources\",outcome=\"completed\"} "
      "2");
  Has("clang_dist_worker_jobs_total{mode=\"local_files\",outcome="
      "\"refused\"} 1");
  Has("clang_dist_worker_jobs_total{mode=\"preprocessed\",outcome=\"lost\"} "
      "0");
  Has("# TYPE clang_dist_worker_compile_duration_seconds histogram");
  Has("clang_dist_worker_compile_duration_seconds_bucket{le=\"0.5\"} 1");
  Has("clang_dist_worker_compile_duration_seconds_bucket{le=\"1\"} 1");
  Has("clang_dist_worker_compile_duration_seconds_bucket{le=\"2.5\"} 2");
  Has("clang_dist_worker_compile_duration_seconds_bucket{le=\"10\"} 2");
  Has("clang_dist_worker_compile_duration_seconds_bucket{le=\"+Inf\"} 2");
  Has("clang_dist_worker_compile_duration_seconds_sum 2");
  Has("clang_dist_worker_compile_duration_seconds_count 2");
  Has("clang_dist_worker_blob_cache_bytes 1234");
  Has("clang_dist_worker_blob_cache_limit_bytes 1073741824");
  Has("clang_dist_worker_blob_cache_hits_total 5");
  Has("clang_dist_worker_blob_cache_misses_total 2");
  Has("clang_dist_worker_peers_refused_total{reason=\"clang_version\"} 1");
  Has("clang_dist_worker_peers_refused_total{reason=\"secret\"} 0");
  Has("clang_dist_worker_slot_restarts_total 0");
}
