//===- Worker/SlotCounters.cpp - What a slot did, for the metrics ---------===//

#include "Worker/SlotCounters.h"
#include "llvm/Support/Errc.h"
#include <cassert>
#include <cerrno>
#include <cstring>
#include <new>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>

using namespace clang::dist;

llvm::StringRef clang::dist::slotOutcomeName(SlotOutcome O) {
  switch (O) {
  case SlotOutcome::Completed:
    return "completed";
  case SlotOutcome::Failed:
    return "failed";
  case SlotOutcome::Refused:
    return "refused";
  case SlotOutcome::Lost:
    return "lost";
  }
  return "?";
}

llvm::StringRef clang::dist::peerRefusalName(PeerRefusal R) {
  switch (R) {
  case PeerRefusal::ProtocolVersion:
    return "protocol_version";
  case PeerRefusal::ClangVersion:
    return "clang_version";
  case PeerRefusal::Secret:
    return "secret";
  case PeerRefusal::Timeout:
    return "timeout";
  case PeerRefusal::Malformed:
    return "malformed";
  case PeerRefusal::Tls:
    return "tls";
  }
  return "?";
}

llvm::StringRef clang::dist::offerOutcomeName(OfferOutcome O) {
  switch (O) {
  case OfferOutcome::Taken:
    return "taken";
  case OfferOutcome::Declined:
    return "declined";
  case OfferOutcome::Expired:
    return "expired";
  case OfferOutcome::Closed:
    return "closed";
  }
  return "?";
}

llvm::StringRef clang::dist::modeLabel(DistributionMode M) {
  switch (M) {
  case DistributionMode::Preprocessed:
    return "preprocessed";
  case DistributionMode::Sources:
    return "sources";
  case DistributionMode::LocalFiles:
    return "local_files";
  }
  return "?";
}

void SlotCounters::jobEnded(DistributionMode Mode, SlotOutcome Outcome,
                            std::optional<std::chrono::microseconds> Took) {
  size_t M = static_cast<size_t>(Mode) - 1;
  if (M < NumModes)
    ++Jobs[M][size_t(Outcome)];
  if (!Took)
    return;
  CompileMicroseconds += Took->count();
  double Seconds = Took->count() / 1e6;
  size_t B = 0;
  while (B < std::size(CompileSecondsBounds) &&
         Seconds > CompileSecondsBounds[B])
    ++B;
  ++CompileBuckets[B];
}

void SlotCounters::restarted() {
  ++Restarts;
  Busy = 0;
  Queued = 0;
  Connections = 0;
  Waiters = 0;
}

llvm::Expected<SharedSlotCounters> SharedSlotCounters::create(unsigned Slots) {
  size_t Page = ::sysconf(_SC_PAGESIZE);
  size_t Stride = (sizeof(SlotCounters) + Page - 1) / Page * Page;
  void *Base = ::mmap(nullptr, Stride * Slots, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (Base == MAP_FAILED)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "cannot map the slots' counters: %s", std::strerror(errno));
  for (unsigned I = 0; I < Slots; ++I)
    new (static_cast<char *>(Base) + I * Stride) SlotCounters();
  return SharedSlotCounters(static_cast<char *>(Base), Stride, Slots);
}

SharedSlotCounters::SharedSlotCounters(SharedSlotCounters &&Other)
    : Base(std::exchange(Other.Base, nullptr)), Stride(Other.Stride),
      Slots(std::exchange(Other.Slots, 0)) {}

SharedSlotCounters::~SharedSlotCounters() {
  // Rows are atomics of integers: nothing to destroy but the mapping.
  if (Base)
    ::munmap(Base, Stride * Slots);
}

SlotCounters &SharedSlotCounters::row(unsigned I) {
  assert(I < Slots);
  return *std::launder(reinterpret_cast<SlotCounters *>(Base + I * Stride));
}

const SlotCounters &SharedSlotCounters::row(unsigned I) const {
  assert(I < Slots);
  return *std::launder(
      reinterpret_cast<const SlotCounters *>(Base + I * Stride));
}

void SharedSlotCounters::makeReadOnly() {
  ::mprotect(Base, Stride * Slots, PROT_READ);
}

void SharedSlotCounters::keepOnly(unsigned I) {
  assert(I < Slots);
  if (I > 0)
    ::munmap(Base, Stride * I);
  if (I + 1 < Slots)
    ::munmap(Base + Stride * (I + 1), Stride * (Slots - I - 1));
  Base += Stride * I;
  Slots = 1;
}
