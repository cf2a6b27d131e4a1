//===- Worker/WorkerMetrics.cpp - A worker's metrics, as text -------------===//

#include "Worker/WorkerMetrics.h"
#include "Support/PrometheusText.h"

using namespace clang::dist;
using Type = PrometheusText::Type;

namespace {

/// The sum over every row of what \p Field picks.
template <typename FieldFn>
uint64_t total(const SharedSlotCounters &Counters, FieldFn Field) {
  uint64_t N = 0;
  for (unsigned I = 0; I < Counters.size(); ++I)
    N += Field(Counters.row(I)).load(std::memory_order_relaxed);
  return N;
}

constexpr DistributionMode Modes[] = {DistributionMode::Preprocessed,
                                      DistributionMode::Sources,
                                      DistributionMode::LocalFiles};

} // namespace

std::string clang::dist::renderWorkerMetrics(const SharedSlotCounters &C,
                                             BlobCacheSize Cache) {
  using Row = const SlotCounters &;
  PrometheusText T;
  T.family("clang_dist_worker_slots", Type::Gauge,
           "Compile slots (one process each).");
  T.sample({}, uint64_t(C.size()));
  T.family("clang_dist_worker_slots_busy", Type::Gauge,
           "Slots compiling a job now.");
  T.sample({}, total(
                   C, [](Row R) -> auto & { return R.Busy; }));
  T.family("clang_dist_worker_jobs_queued", Type::Gauge,
           "Jobs received and waiting for their slot's compile thread.");
  T.sample({}, total(
                   C, [](Row R) -> auto & { return R.Queued; }));
  T.family("clang_dist_worker_connections_open", Type::Gauge,
           "Connections from local servers (and peers in their handshake).");
  T.sample({}, total(
                   C, [](Row R) -> auto & { return R.Connections; }));

  T.family("clang_dist_worker_waiters", Type::Gauge,
           "Local servers whose job a busy slot refused, waiting for the "
           "slot to offer itself.");
  T.sample({}, total(
                   C, [](Row R) -> auto & { return R.Waiters; }));
  T.family("clang_dist_worker_busy_refusals_total", Type::Counter,
           "Jobs a slot refused because it was compiling or offered to "
           "another server (the server sent them elsewhere).");
  T.sample({}, total(
                   C, [](Row R) -> auto & { return R.BusyRefusals; }));
  T.family("clang_dist_worker_offers_total", Type::Counter,
           "Offers of a free slot to a waiting server, by how they ended: "
           "taken (a job came), declined (none left), expired (no answer in "
           "time), closed (the connection ended).");
  for (size_t O = 0; O < NumOfferOutcomes; ++O)
    T.sample({{"outcome", offerOutcomeName(OfferOutcome(O))}},
             total(
                 C, [&](Row R) -> auto & { return R.Offers[O]; }));

  T.family("clang_dist_worker_jobs_total", Type::Counter,
           "Jobs that ended, by mode and outcome: completed (clang exited "
           "0), failed (clang exited non-zero), refused (by the policy), lost "
           "(the connection ended first).");
  for (DistributionMode M : Modes)
    for (size_t O = 0; O < NumSlotOutcomes; ++O)
      T.sample(
          {{"mode", modeLabel(M)},
           {"outcome", slotOutcomeName(SlotOutcome(O))}},
          total(
              C, [&](Row R) -> auto & { return R.Jobs[size_t(M) - 1][O]; }));

  T.family("clang_dist_worker_compile_duration_seconds", Type::Histogram,
           "Time from a compile's start to its result, of the jobs that "
           "completed or failed.");
  uint64_t Buckets[NumCompileBuckets];
  for (size_t B = 0; B < NumCompileBuckets; ++B)
    Buckets[B] = total(
        C, [&](Row R) -> auto & { return R.CompileBuckets[B]; });
  T.histogram({}, CompileSecondsBounds, Buckets,
              total(
                  C, [](Row R) -> auto & { return R.CompileMicroseconds; }) /
                  1e6);

  T.family("clang_dist_worker_blob_cache_bytes", Type::Gauge,
           "Bytes of file contents in the blob cache.");
  T.sample({}, Cache.Bytes);
  T.family("clang_dist_worker_blob_cache_limit_bytes", Type::Gauge,
           "The blob cache's size limit (--cache-size).");
  T.sample({}, Cache.Limit);
  T.family("clang_dist_worker_blob_cache_hits_total", Type::Counter,
           "File contents a compile found in the blob cache.");
  T.sample({}, total(
                   C, [](Row R) -> auto & { return R.BlobHits; }));
  T.family("clang_dist_worker_blob_cache_misses_total", Type::Counter,
           "File contents a compile asked its local server for.");
  T.sample({}, total(
                   C, [](Row R) -> auto & { return R.BlobMisses; }));

  T.family("clang_dist_worker_peers_refused_total", Type::Counter,
           "Connections refused or dropped before the peer proved itself, "
           "by reason.");
  for (size_t W = 0; W < NumPeerRefusals; ++W)
    T.sample({{"reason", peerRefusalName(PeerRefusal(W))}},
             total(
                 C, [&](Row R) -> auto & { return R.PeersRefused[W]; }));
  T.family("clang_dist_worker_slot_restarts_total", Type::Counter,
           "Slot processes started again after theirs ended.");
  T.sample({}, total(
                   C, [](Row R) -> auto & { return R.Restarts; }));
  return T.text();
}
