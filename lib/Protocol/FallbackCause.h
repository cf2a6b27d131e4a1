//===- Protocol/FallbackCause.h - Why the farm failed a job --- -*- C++ -*-===//
//
// A job that could have been distributed but ran on the client has one cause,
// carried to the client in JobOutcome (a warning on its stderr), counted in
// the stats (fallback_<name>) and named in the server's log. The numbers are
// on the wire and the names are stats keys: both stay as they are.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_PROTOCOL_FALLBACKCAUSE_H
#define CLANG_DIST_PROTOCOL_FALLBACKCAUSE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>

namespace clang::dist {

enum class FallbackCause : uint8_t {
  /// Not a fallback: compiled remotely, or local by design.
  None = 0,
  /// The slot's host does not resolve, or its port refuses connections.
  Unreachable = 1,
  /// Connecting, the handshake or the worker's heartbeats timed out.
  TimedOut = 2,
  /// The worker refused the handshake for another reason.
  HandshakeRefused = 3,
  /// One side cannot prove the shared secret the other expects.
  WrongSecret = 4,
  /// The worker speaks another protocol or has another clang.
  VersionMismatch = 5,
  /// Every slot was backed off after failures.
  BackedOff = 6,
  /// The slot's connection ended during the job (its process died).
  SlotLost = 7,
  /// The worker sent something that is not a valid answer.
  ProtocolError = 8,
  /// The worker refused the job (another build of clang-dist).
  WorkerRefused = 9,
  /// The client's files kept changing under the compiles.
  StaleAnswers = 10,
  /// The server could not write the outputs.
  CannotStore = 11,
  /// The server has no slot at all (its own worker did not start).
  NoSlots = 12,
  /// The job ended two slot processes: it most likely crashes clang, which
  /// then says so on the client.
  CrashesClang = 13,
  /// The client found no clang-dist-server program to start.
  ServerMissing = 14,
  /// The client could not start, reach or hear from its server.
  ServerFailed = 15,
  /// A worker asked about a path the job may not read (sources mode): outside
  /// its include search path, source tree, working directory and the
  /// config's `share` lines.
  PathOutsideShared = 16,
};

/// Every cause but None, in number order.
llvm::ArrayRef<FallbackCause> fallbackCauses();
/// The stable name: "unreachable", "timed_out", ... ("none" for None).
llvm::StringRef fallbackCauseName(FallbackCause Cause);
/// The cause of wire number \p Number, if there is one.
std::optional<FallbackCause> fallbackCauseFromNumber(uint8_t Number);

} // namespace clang::dist

#endif
