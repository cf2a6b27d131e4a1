//===- Registry/FarmEntry.h - A worker's entry in the registry --*- C++ -*-===//
//
// A worker started with --registry keeps one key in a Redis the team shares
// (`clang-dist:farm:worker:<ID>`, under a lease), and the servers with `farm`
// in their config list those keys to find the farm's slots (docs/FARM.md).
// The value is text, one `key value` line each, so that `redis-cli GET`
// shows it and a newer worker may add keys: a reader ignores keys it does not
// know. The registry is shared and anyone on its network may write to it:
// whatever does not parse within the limits is an error, never an entry.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_REGISTRY_FARMENTRY_H
#define CLANG_DIST_REGISTRY_FARMENTRY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <vector>

namespace clang::dist {

/// Every worker's key starts with this; the rest is its ID.
inline constexpr llvm::StringLiteral FarmKeyPrefix = "clang-dist:farm:worker:";
/// An entry longer than this is garbage: 1024 slots' ports fit.
inline constexpr size_t MaxFarmEntrySize = 16384;
/// Slots of one entry at most, as clang-dist-worker --cores allows.
inline constexpr size_t MaxFarmEntryPorts = 1024;

struct FarmEntry {
  /// Where servers connect: the worker's --advertise address.
  std::string Host;
  /// One per slot, in the worker's order.
  std::vector<uint16_t> Ports;
  /// clang::getClangFullVersion() of the worker's clang, as its Hello says.
  std::string ClangVersion;
  /// The protocol it speaks (ProtocolVersion).
  uint32_t Protocol = 0;
  /// clang-dist's version, for people reading the registry.
  std::string ClangDistVersion;
  /// Its peers must prove the farm's secret (and use TLS off loopback).
  bool Secret = false;
  /// Slots compiling when the entry was written.
  uint32_t Busy = 0;
  /// When the worker started, in seconds since the epoch.
  int64_t Started = 0;
  /// The speed the worker measured (Worker/Speed.h), as its slots' Hello
  /// replies tell it; 0 if unknown (an older worker).
  uint32_t Speed = 0;

  /// The entry's whole key: the prefix, then "HOST:FIRSTPORT", so that a
  /// worker started again on the same ports replaces its own entry.
  std::string key() const;
  friend bool operator==(const FarmEntry &, const FarmEntry &) = default;
};

/// The value kept under the entry's key.
std::string formatFarmEntry(const FarmEntry &Entry);
/// Refuses a value that is too large, has a line that is not `key value`,
/// a known key twice or with a value that does not parse, or misses one
/// of address, ports, clang and protocol; ignores unknown keys.
llvm::Expected<FarmEntry> parseFarmEntry(llvm::StringRef Text);

} // namespace clang::dist

#endif
