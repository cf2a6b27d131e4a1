//===- Protocol/FallbackCause.cpp - Why the farm did not compile a job ----===//

#include "Protocol/FallbackCause.h"

using namespace clang::dist;

namespace {
constexpr FallbackCause All[] = {
    FallbackCause::Unreachable,      FallbackCause::TimedOut,
    FallbackCause::HandshakeRefused, FallbackCause::WrongSecret,
    FallbackCause::VersionMismatch,  FallbackCause::BackedOff,
    FallbackCause::SlotLost,         FallbackCause::ProtocolError,
    FallbackCause::WorkerRefused,    FallbackCause::StaleAnswers,
    FallbackCause::CannotStore,      FallbackCause::NoSlots,
    FallbackCause::CrashesClang,     FallbackCause::ServerMissing,
    FallbackCause::ServerFailed,     FallbackCause::PathOutsideShared,
};
} // namespace

llvm::ArrayRef<FallbackCause> clang::dist::fallbackCauses() { return All; }

llvm::StringRef clang::dist::fallbackCauseName(FallbackCause Cause) {
  switch (Cause) {
  case FallbackCause::None:
    return "none";
  case FallbackCause::Unreachable:
    return "unreachable";
  case FallbackCause::TimedOut:
    return "timed_out";
  case FallbackCause::HandshakeRefused:
    return "handshake_refused";
  case FallbackCause::WrongSecret:
    return "wrong_secret";
  case FallbackCause::VersionMismatch:
    return "version_mismatch";
  case FallbackCause::BackedOff:
    return "backed_off";
  case FallbackCause::SlotLost:
    return "slot_lost";
  case FallbackCause::ProtocolError:
    return "protocol_error";
  case FallbackCause::WorkerRefused:
    return "worker_refused";
  case FallbackCause::StaleAnswers:
    return "stale_answers";
  case FallbackCause::CannotStore:
    return "cannot_store";
  case FallbackCause::NoSlots:
    return "no_slots";
  case FallbackCause::CrashesClang:
    return "crashes_clang";
  case FallbackCause::ServerMissing:
    return "server_missing";
  case FallbackCause::ServerFailed:
    return "server_failed";
  case FallbackCause::PathOutsideShared:
    return "path_outside_shared";
  }
  return "unknown";
}

std::optional<FallbackCause>
clang::dist::fallbackCauseFromNumber(uint8_t Number) {
  if (Number > static_cast<uint8_t>(FallbackCause::PathOutsideShared))
    return std::nullopt;
  return static_cast<FallbackCause>(Number);
}
