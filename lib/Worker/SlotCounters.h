//===- Worker/SlotCounters.h - What a slot did, for the metrics -*- C++ -*-===//
//
// Each slot process counts what it does in a row of its own of a mapping
// the supervisor makes before it forks (MAP_SHARED, anonymous), and the
// worker's metrics process reads every row (WorkerMetrics.h). Nothing locks
// across processes: each number is an atomic written by its slot alone. A
// row is pages of its own, and a slot's process unmaps the other rows, so a
// slot that goes wrong can spoil its own numbers, never another's. A slot
// started again keeps its row: counters never go down; the supervisor zeroes
// its gauges (what the dead process was doing).
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_SLOTCOUNTERS_H
#define CLANG_DIST_WORKER_SLOTCOUNTERS_H

#include "Protocol/DistributionMode.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>

namespace clang::dist {

/// How a job a slot took ended.
enum class SlotOutcome : uint8_t {
  /// clang ran it to its end and exited 0.
  Completed,
  /// clang ran it and exited non-zero (the source has errors): the client
  /// gets the diagnostics, as from a local compile.
  Failed,
  /// The policy refused it (Policy/Distributable.h).
  Refused,
  /// Its connection ended while it was compiling, or it was never run: its
  /// connection closed while it waited.
  Lost,
};
inline constexpr size_t NumSlotOutcomes = 4;
llvm::StringRef slotOutcomeName(SlotOutcome O);

/// Why a slot refused or dropped a peer before it proved itself.
enum class PeerRefusal : uint8_t {
  ProtocolVersion,
  ClangVersion,
  /// A wrong proof of the shared secret, or none.
  Secret,
  /// No Hello or Authenticate within the handshake timeout.
  Timeout,
  /// A handshake that is not one (a frame that does not decode, say).
  Malformed,
  /// A TLS handshake that failed but for the key, or a plaintext connection
  /// from another machine.
  Tls,
};
inline constexpr size_t NumPeerRefusals = 6;
llvm::StringRef peerRefusalName(PeerRefusal R);

/// How an offer of a free slot to a waiting server ended (SlotGate.h).
enum class OfferOutcome : uint8_t {
  /// The server sent a job.
  Taken,
  /// The server had none left (DeclineSlot).
  Declined,
  /// No answer before the deadline.
  Expired,
  /// The connection closed first.
  Closed,
};
inline constexpr size_t NumOfferOutcomes = 4;
llvm::StringRef offerOutcomeName(OfferOutcome O);

/// The modes a job names, each a label value.
inline constexpr size_t NumModes = 3;
llvm::StringRef modeLabel(DistributionMode M);

/// Upper bounds of the compile time histogram's buckets, in seconds.
inline constexpr double CompileSecondsBounds[] = {0.1, 0.25, 0.5, 1,  2.5,
                                                  5,   10,   30,  60, 300};
inline constexpr size_t NumCompileBuckets = std::size(CompileSecondsBounds) + 1;

/// One slot's row. Gauges are what the slot does now; the rest only grow.
struct SlotCounters {
  static_assert(std::atomic<uint64_t>::is_always_lock_free,
                "counters shared by processes must not need a lock");
  using Counter = std::atomic<uint64_t>;

  /// Gauges.
  Counter Busy{0};
  Counter Queued{0};
  Counter Connections{0};
  /// Connections whose job the slot refused, waiting for their turn.
  Counter Waiters{0};

  Counter Jobs[NumModes][NumSlotOutcomes] = {};
  /// Compiles that ran (completed, failed), by time taken.
  Counter CompileBuckets[NumCompileBuckets] = {};
  Counter CompileMicroseconds{0};
  Counter BlobHits{0};
  Counter BlobMisses{0};
  Counter PeersRefused[NumPeerRefusals] = {};
  /// Jobs refused because the slot was busy or offered to another server
  /// (SlotBusy).
  Counter BusyRefusals{0};
  Counter Offers[NumOfferOutcomes] = {};
  /// Written by the supervisor.
  Counter Restarts{0};

  /// A job of \p Mode ended as \p Outcome; \p Took is set if it compiled.
  void jobEnded(DistributionMode Mode, SlotOutcome Outcome,
                std::optional<std::chrono::microseconds> Took);
  void refused(PeerRefusal R) { ++PeersRefused[size_t(R)]; }
  void offerEnded(OfferOutcome O) { ++Offers[size_t(O)]; }
  /// The slot's process ended and is started again: nothing of the old one
  /// runs, waits or is connected.
  void restarted();
};

/// The supervisor's mapping of every slot's row.
class SharedSlotCounters {
public:
  /// Maps \p Slots rows, zeroed.
  static llvm::Expected<SharedSlotCounters> create(unsigned Slots);
  SharedSlotCounters(SharedSlotCounters &&Other);
  SharedSlotCounters &operator=(SharedSlotCounters &&) = delete;
  ~SharedSlotCounters();

  unsigned size() const { return Slots; }
  SlotCounters &row(unsigned I);
  const SlotCounters &row(unsigned I) const;
  /// In the metrics process: every row becomes read-only.
  void makeReadOnly();
  /// In slot \p I's process: unmaps every other row. This then holds one
  /// row, row(0), at the same address.
  void keepOnly(unsigned I);

private:
  SharedSlotCounters(char *Base, size_t Stride, unsigned Slots)
      : Base(Base), Stride(Stride), Slots(Slots) {}

  char *Base;
  /// Bytes from one row to the next: whole pages.
  size_t Stride;
  unsigned Slots;
};

} // namespace clang::dist

#endif
