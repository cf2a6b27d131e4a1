//===- Config/StatsFile.h - Counters kept across server lives ---*- C++ -*-===//
//
// A config's server counts what became of its jobs (docs/MONITORING.md lists
// every key) in server-<hash>.stats, so that `clang-dist --show-stats` can
// answer after the server exited, and the next server goes on counting. The
// file is text: a header line with magic and version, then one
// "KEY<TAB>VALUE" line per counter, in key order; it is replaced whole.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_CONFIG_STATSFILE_H
#define CLANG_DIST_CONFIG_STATSFILE_H

#include "Protocol/FallbackCause.h"
#include "Protocol/Messages.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace clang::dist {

/// Counters by key, in key order.
using StatsCounters = std::map<std::string, uint64_t>;

namespace statkeys {
inline constexpr const char *ServerStarts = "server_starts";
inline constexpr const char *JobsRemote = "jobs_remote";
inline constexpr const char *JobsLocalByDesign = "jobs_local_by_design";
inline constexpr const char *JobsLocalFallback = "jobs_local_fallback";
inline constexpr const char *JobsCancelled = "jobs_cancelled";
inline constexpr const char *Retries = "retries";
inline constexpr const char *BytesSent = "bytes_sent";
inline constexpr const char *BytesReceived = "bytes_received";
inline constexpr const char *WorkerCompileMs = "worker_compile_ms";
inline constexpr const char *CacheHit = "cache_hit";
inline constexpr const char *CacheHitShared = "cache_hit_shared";
inline constexpr const char *CacheMiss = "cache_miss";
inline constexpr const char *CacheUncacheable = "cache_uncacheable";
/// The farm's workers as the registry told of them (`farm redis://...`).
inline constexpr const char *FarmWorkersJoined = "farm_workers_joined";
inline constexpr const char *FarmWorkersLeft = "farm_workers_left";
inline constexpr const char *FarmWorkersSkippedVersion =
    "farm_workers_skipped_version";
inline constexpr const char *FarmEntriesMalformed = "farm_entries_malformed";
/// "cache_uncacheable_<why>": results not kept because of \p Why, "failed"
/// or a cacheabilityName().
std::string uncacheable(llvm::StringRef Why);
/// "fallback_<cause name>": jobs that fell back for \p Cause.
std::string fallback(FallbackCause Cause);
/// "slot/<HOST:PORT>/<what>": jobs, failed_<cause name>.
std::string slot(llvm::StringRef Slot, llvm::StringRef What);
/// The keys every report has, zero or not: all but the per-slot ones.
std::vector<std::string> fixed();
} // namespace statkeys

/// The file's text for \p Counters.
std::string formatStats(const StatsCounters &Counters);
/// Refuses another version, a malformed line or a key given twice.
llvm::Expected<StatsCounters> parseStats(llvm::StringRef Text);
/// The counters in \p Path; none if there is no such file.
llvm::Expected<StatsCounters> readStatsFile(llvm::StringRef Path);
/// Replaces \p Path (mode 0600) by \p Counters.
llvm::Error writeStatsFile(llvm::StringRef Path, const StatsCounters &Counters);

} // namespace clang::dist

#endif
