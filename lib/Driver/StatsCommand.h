//===- Driver/StatsCommand.h - clang-dist --show-stats -------- -*- C++ -*-===//
//
// What became of a config's jobs (docs/MONITORING.md): the running server's
// counters if one runs (none is started for this), else those its last life
// wrote, plus the fallbacks clients counted with no server to tell.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_STATSCOMMAND_H
#define CLANG_DIST_DRIVER_STATSCOMMAND_H

#include "Driver/ClientOptions.h"
#include "Driver/ServerConnection.h"

namespace clang::dist {

/// Whether \p Options ask for one of the commands below, not a compile.
bool isStatsCommand(const ClientOptions &Options);
/// Runs the one \p Options ask for; returns the exit code.
int runStatsCommand(const ClientOptions &Options, const ServerTarget &Target);

/// --show-stats: a table a person reads.
int showStats(const ServerTarget &Target);
/// How --print-stats prints the counters (--format).
enum class StatsFormat {
  /// One "KEY<TAB>VALUE" line per counter, in key order.
  Tsv,
  /// Prometheus' text format (Config/StatsMetrics.h).
  Prometheus,
};

/// --print-stats.
int printStats(const ServerTarget &Target, StatsFormat Format);
/// --zero-stats: every counter back to zero.
int zeroStats(const ServerTarget &Target);

} // namespace clang::dist

#endif
