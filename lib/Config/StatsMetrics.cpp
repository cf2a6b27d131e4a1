//===- Config/StatsMetrics.cpp - A config's stats for Prometheus ----------===//

#include "Config/StatsMetrics.h"
#include "Support/PrometheusText.h"
#include <optional>
#include <vector>

using namespace clang::dist;
using Type = PrometheusText::Type;

namespace {

struct Family {
  const char *Name;
  Type Kind;
  const char *Help;
};

enum FamilyId {
  Starts,
  Jobs,
  Retries,
  Fallbacks,
  SentBytes,
  ReceivedBytes,
  CompileSeconds,
  CacheHits,
  CacheSharedHits,
  CacheMisses,
  CacheUncacheable,
  FarmWorkers,
  SlotJobs,
  SlotFailures,
  SlotBusyRefusals,
  NumFamilies
};

constexpr Family Families[NumFamilies] = {
    {"clang_dist_server_starts_total", Type::Counter,
     "Servers of this config started."},
    {"clang_dist_server_jobs_total", Type::Counter,
     "Jobs the server had, by what became of them: remote (compiled on a "
     "slot), local_by_design (kept on the client by the policy or the "
     "mode), local_fallback (compiled on the client because the farm failed "
     "them), cancelled (their client went away); result cache hits are "
     "clang_dist_server_cache_hits_total."},
    {"clang_dist_server_retries_total", Type::Counter,
     "Jobs sent to a slot again."},
    {"clang_dist_server_fallbacks_total", Type::Counter,
     "Jobs compiled on the client because the farm failed them, by cause."},
    {"clang_dist_server_sent_bytes_total", Type::Counter,
     "Bytes sent to workers with jobs."},
    {"clang_dist_server_received_bytes_total", Type::Counter,
     "Bytes received from workers with jobs."},
    {"clang_dist_server_worker_compile_seconds_total", Type::Counter,
     "Seconds from sending a job to its result, summed over the jobs a slot "
     "compiled."},
    {"clang_dist_server_cache_hits_total", Type::Counter,
     "Jobs whose outputs came from the result cache."},
    {"clang_dist_server_cache_shared_hits_total", Type::Counter,
     "Result cache hits from the shared cache."},
    {"clang_dist_server_cache_misses_total", Type::Counter,
     "Jobs looked up in the result cache and not found."},
    {"clang_dist_server_cache_uncacheable_total", Type::Counter,
     "Compiles whose result the result cache did not keep, by reason."},
    {"clang_dist_server_farm_workers_total", Type::Counter,
     "Workers of the farm's registry, by event: joined (the server uses its "
     "slots), left (its entry went), skipped_version (another clang or "
     "protocol), malformed (an entry that does not parse)."},
    {"clang_dist_server_slot_jobs_total", Type::Counter,
     "Jobs each slot compiled."},
    {"clang_dist_server_slot_failures_total", Type::Counter,
     "Failures of each slot, by cause."},
    {"clang_dist_server_slot_busy_refusals_total", Type::Counter,
     "Jobs each slot refused because another server's job had it."},
};

/// Where one key goes: its family, labels (besides the config's), and what
/// the value is divided by (milliseconds to seconds).
struct Placement {
  FamilyId Id;
  std::vector<std::pair<std::string, std::string>> Labels;
  unsigned Divisor = 1;
};

std::optional<Placement> place(llvm::StringRef Key) {
  auto Is = [&](const char *K) { return Key == K; };
  if (Is(statkeys::ServerStarts))
    return Placement{Starts, {}};
  if (Is(statkeys::Retries))
    return Placement{Retries, {}};
  if (Is(statkeys::BytesSent))
    return Placement{SentBytes, {}};
  if (Is(statkeys::BytesReceived))
    return Placement{ReceivedBytes, {}};
  if (Is(statkeys::WorkerCompileMs))
    return Placement{CompileSeconds, {}, 1000};
  if (Is(statkeys::CacheHit))
    return Placement{CacheHits, {}};
  if (Is(statkeys::CacheHitShared))
    return Placement{CacheSharedHits, {}};
  if (Is(statkeys::CacheMiss))
    return Placement{CacheMisses, {}};
  if (Is(statkeys::JobsRemote))
    return Placement{Jobs, {{"outcome", "remote"}}};
  if (Is(statkeys::JobsLocalByDesign))
    return Placement{Jobs, {{"outcome", "local_by_design"}}};
  if (Is(statkeys::JobsLocalFallback))
    return Placement{Jobs, {{"outcome", "local_fallback"}}};
  if (Is(statkeys::FarmWorkersJoined))
    return Placement{FarmWorkers, {{"event", "joined"}}};
  if (Is(statkeys::FarmWorkersLeft))
    return Placement{FarmWorkers, {{"event", "left"}}};
  if (Is(statkeys::FarmWorkersSkippedVersion))
    return Placement{FarmWorkers, {{"event", "skipped_version"}}};
  if (Is(statkeys::FarmEntriesMalformed))
    return Placement{FarmWorkers, {{"event", "malformed"}}};
  if (Is(statkeys::JobsCancelled))
    return Placement{Jobs, {{"outcome", "cancelled"}}};
  // The sums of the labelled series below: Prometheus adds them up itself.
  if (Is(statkeys::CacheUncacheable))
    return std::nullopt;
  llvm::StringRef Rest = Key;
  if (Rest.consume_front("cache_uncacheable_"))
    return Placement{CacheUncacheable, {{"reason", Rest.str()}}};
  if (Rest.consume_front("fallback_"))
    return Placement{Fallbacks, {{"cause", Rest.str()}}};
  if (Rest.consume_front("slot/")) {
    auto [Slot, What] = Rest.rsplit('/');
    if (What == "jobs")
      return Placement{SlotJobs, {{"slot", Slot.str()}}};
    if (What.consume_front("failed_"))
      return Placement{SlotFailures,
                       {{"slot", Slot.str()}, {"cause", What.str()}}};
    if (What == "busy_refusals")
      return Placement{SlotBusyRefusals, {{"slot", Slot.str()}}};
  }
  return std::nullopt;
}

} // namespace

std::string clang::dist::renderStatsMetrics(const StatsCounters &Counters,
                                            llvm::StringRef Config,
                                            bool Running) {
  std::vector<std::pair<Placement, uint64_t>> Samples[NumFamilies];
  for (const auto &[Key, Value] : Counters)
    if (std::optional<Placement> P = place(Key))
      Samples[P->Id].emplace_back(std::move(*P), Value);

  PrometheusText T;
  T.family("clang_dist_server_running", Type::Gauge,
           "Whether a server of this config runs (it exits when idle).");
  T.sample({{"config", Config}}, uint64_t(Running));
  for (unsigned F = 0; F < NumFamilies; ++F) {
    if (Samples[F].empty())
      continue;
    T.family(Families[F].Name, Families[F].Kind, Families[F].Help);
    for (const auto &[P, Value] : Samples[F]) {
      std::vector<MetricLabel> Labels = {{"config", Config}};
      for (const auto &[Name, LabelValue] : P.Labels)
        Labels.emplace_back(Name, LabelValue);
      if (P.Divisor == 1)
        T.sample(Labels, Value);
      else
        T.sample(Labels, double(Value) / P.Divisor);
    }
  }
  return T.text();
}
