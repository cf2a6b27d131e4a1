//===- Config/Config.h - dist.conf: where the workers are -------*- C++ -*-===//
//
// The format is documented in docs/CONFIG.md. Every error names the file, the
// line and the problem.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_CONFIG_CONFIG_H
#define CLANG_DIST_CONFIG_CONFIG_H

#include "Protocol/DistributionMode.h"
#include "Protocol/SharedSecret.h"
#include "Redis/Client.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace clang::dist {

/// One compile slot: a clang-dist-worker process listening on Host:Port.
struct SlotAddress {
  std::string Host;
  uint16_t Port = 0;

  std::string str() const;
  friend bool operator==(const SlotAddress &, const SlotAddress &) = default;
};

/// What a file was when it was read: a server compares it with the disk to
/// notice an edit, at the cost of one stat.
struct ConfigFileStamp {
  uint64_t Device = 0;
  uint64_t Inode = 0;
  uint64_t Size = 0;
  int64_t ModifiedNs = 0;
  friend bool operator==(const ConfigFileStamp &,
                         const ConfigFileStamp &) = default;
};

/// \p Path's stamp now; std::nullopt if it cannot be stat'ed.
std::optional<ConfigFileStamp> stampConfigFile(llvm::StringRef Path);

struct DistConfig {
  /// The real path of the file this came from; empty for the built-in default.
  std::string Path;
  /// One entry per slot. Empty, with no Farm either, means: start a worker
  /// on this machine.
  std::vector<SlotAddress> Slots;
  /// `farm redis://...`: the registry the farm's workers keep their entries
  /// in (docs/FARM.md); their slots join Slots' while the server runs.
  std::optional<RedisAddress> Farm;
  /// Slots of the worker started on this machine when Slots is empty; 0 =
  /// one per core.
  unsigned LocalSlots = 0;
  /// The local server exits after this long without work.
  std::chrono::seconds IdleTimeout{30};
  /// Connecting to a slot and its handshake must finish within this.
  std::chrono::milliseconds ConnectTimeout{3000};
  /// A slot silent for this long while it owes us a result is dead (it sends
  /// heartbeats while compiling, so slow compiles are not affected).
  std::chrono::milliseconds HeartbeatTimeout{10000};
  /// A slot that failed gets no job for this long.
  std::chrono::seconds SlotBackoff{30};
  DistributionMode Mode = DistributionMode::Sources;
  /// The `secret` file (loadConfig: made absolute) and the secret it holds:
  /// workers must prove it, and the server proves it to them.
  std::string SecretPath;
  std::optional<SharedSecret> Secret;
  /// `tls always`: links to workers on loopback are TLS too, as those off
  /// it always are (a farm tried out on one machine; the benchmark). Needs
  /// the secret, from which the TLS key comes.
  bool TlsOnLoopback = false;
  /// A job the farm failed prints a warning on the client's stderr (a few,
  /// however many jobs fail).
  bool FallbackWarnings = true;
  /// The server's log is renamed to .log.1 when it grows past this.
  uint64_t LogMaxSize = 10u << 20;
  /// The result cache (docs/CACHE.md): on by default.
  bool Cache = true;
  /// The team's shared cache besides the local one, if any.
  std::optional<RedisAddress> SharedCache;
  /// The local cache's directory (loadConfig: made absolute); empty for
  /// the default, resultCacheDirectory().
  std::string CacheDir;
  /// The local cache evicts what was used least recently past this.
  uint64_t CacheSize = 5ull << 30;
  /// Where the server serves its counters to Prometheus while it runs (a
  /// numeric address); none if MetricsHost is empty.
  std::string MetricsHost;
  uint16_t MetricsPort = 0;
  /// Sources mode: paths (and what is below them) that every job's worker
  /// may be told of besides the job's own (`share` lines; loadConfig: made
  /// absolute, without "." or "..").
  std::vector<std::string> SharedPaths;

  /// Where each setting came from (clang-dist --show-config): the line of
  /// the last one to set it, by its current name ("worker-backoff", not
  /// "slave-backoff"); a setting not listed has its default.
  std::map<std::string, unsigned, std::less<>> SettingLines;
  /// The line of each slot's worker line, one per entry of Slots.
  std::vector<unsigned> SlotLines;
  /// The line of each share line, one per entry of SharedPaths.
  std::vector<unsigned> ShareLines;
  /// loadConfig: the config file and the secret file as they were read.
  std::vector<std::pair<std::string, ConfigFileStamp>> ReadFrom;
};

/// The first file of \p Config.ReadFrom that is no longer as it was read
/// (edited, replaced, removed), or std::nullopt.
std::optional<std::string> changedConfigFile(const DistConfig &Config);

/// The local result cache's directory for \p Config: its cache-dir, or
/// $XDG_CACHE_HOME/clang-dist, or ~/.cache/clang-dist; an error if none of
/// these is set (no HOME).
llvm::Expected<std::string> resultCacheDirectory(const DistConfig &Config);

/// Parses the text of a dist.conf; \p FileName is used in error messages.
llvm::Expected<DistConfig> parseConfig(llvm::StringRef Text,
                                       llvm::StringRef FileName);
/// Reads and parses \p Path, records its real path, and loads the secret file
/// (relative to the config's directory, as are cache-dir and share).
llvm::Expected<DistConfig> loadConfig(llvm::StringRef Path);

} // namespace clang::dist

#endif
