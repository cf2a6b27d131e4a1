//===- Driver/ClientFallbacks.h - Fallbacks with no server ---- -*- C++ -*-===//
//
// A client that cannot start or reach its server compiles locally like any
// other fallback, but no server counts it or limits its warnings. Every
// client of the config then shares a small file in the runtime directory
// (ServerPaths::ClientFallbacks, the stats file's format) under a lock: the
// counts, which the stats commands add to the server's, and one warning
// window per cause, so that make -j100 with no server prints a few lines.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_CLIENTFALLBACKS_H
#define CLANG_DIST_DRIVER_CLIENTFALLBACKS_H

#include "Config/StatsFile.h"
#include "Protocol/FallbackCause.h"
#include "llvm/Support/Error.h"
#include <optional>

namespace clang::dist {

/// Counts a fallback for \p Cause in \p Path. Returns whether to warn, with
/// how many fallbacks of the cause went unwarned before it.
llvm::Expected<std::optional<uint64_t>>
recordClientFallback(llvm::StringRef Path, FallbackCause Cause);

/// The counts in \p Path (no warning windows); none if there is no file.
llvm::Expected<StatsCounters> readClientFallbacks(llvm::StringRef Path);

/// Forgets every count and window in \p Path.
llvm::Error zeroClientFallbacks(llvm::StringRef Path);

} // namespace clang::dist

#endif
