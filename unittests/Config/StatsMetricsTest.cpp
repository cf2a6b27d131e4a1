//===- unittests/Config/StatsMetricsTest.cpp - Stats for Prometheus -------===//

#include "Config/StatsMetrics.h"
#include <catch2/catch.hpp>

using namespace clang::dist;

namespace {

std::vector<std::string> sampleLines(llvm::StringRef Text) {
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  Text.split(Lines, '\n', -1, /*KeepEmpty=*/false);
  std::vector<std::string> Samples;
  for (llvm::StringRef L : Lines)
    if (!L.startswith("#"))
      Samples.push_back(L.str());
  return Samples;
}

} // namespace

TEST_CASE("Every stats key but the sums is a sample", "[StatsMetrics]") {
  StatsCounters C;
  for (const std::string &Key : statkeys::fixed())
    C[Key] = 0;
  std::vector<std::string> Samples =
      sampleLines(renderStatsMetrics(C, "/a/dist.conf", false));
  // cache_uncacheable is the sum of its reasons; the running gauge is new.
  CHECK(Samples.size() == statkeys::fixed().size());
  CHECK(Samples[0] == "clang_dist_server_running{config=\"/a/dist.conf\"} 0");
}

TEST_CASE("Stats keys become labelled samples", "[StatsMetrics]") {
  StatsCounters C = {{statkeys::JobsRemote, 7},
                     {statkeys::JobsLocalFallback, 2},
                     {statkeys::WorkerCompileMs, 1234},
                     {statkeys::fallback(FallbackCause::Unreachable), 2},
                     {statkeys::uncacheable("time_macro"), 1},
                     {statkeys::slot("10.0.0.5:63000", "jobs"), 5},
                     {statkeys::slot("[::1]:63001", "failed_timed_out"), 3},
                     {statkeys::slot("[::1]:63001", "busy_refusals"), 4},
                     {"from_a_newer_clang_dist", 9}};
  std::string Text = renderStatsMetrics(C, "default", true);
  std::vector<std::string> Samples = sampleLines(Text);
  std::vector<std::string> Expected = {
      "clang_dist_server_running{config=\"default\"} 1",
      "clang_dist_server_jobs_total{config=\"default\",outcome=\"local_"
      "fallback\"} 2",
      "clang_dist_server_jobs_total{config=\"default\",outcome=\"remote\"} 7",
      "clang_dist_server_fallbacks_total{config=\"default\",cause="
      "\"unreachable\"} 2",
      "clang_dist_server_worker_compile_seconds_total{config=\"default\"} "
      "1.234",
      "clang_dist_server_cache_uncacheable_total{config=\"default\",reason="
      "\"time_macro\"} 1",
      "clang_dist_server_slot_jobs_total{config=\"default\",slot=\"10.0.0.5:"
      "63000\"} 5",
      "clang_dist_server_slot_failures_total{config=\"default\",slot=\"[::1]:"
      "63001\",cause=\"timed_out\"} 3",
      "clang_dist_server_slot_busy_refusals_total{config=\"default\",slot=\"["
      "::1]:63001\"} 4",
  };
  CHECK(Samples == Expected);
  CHECK(llvm::StringRef(Text).contains(
      "# TYPE clang_dist_server_jobs_total counter\n"));
}
