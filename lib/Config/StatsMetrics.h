//===- Config/StatsMetrics.h - A config's stats for Prometheus --*- C++ -*-===//
//
// The counters of a config's servers (StatsFile.h, the keys of
// `clang-dist --print-stats`) in Prometheus' text format: each key becomes
// a sample of a family named by Prometheus' conventions (docs/MONITORING.md,
// "Metrics"), every sample labelled with the config, so that the files of
// several configs can sit side by side in node_exporter's textfile
// directory.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_CONFIG_STATSMETRICS_H
#define CLANG_DIST_CONFIG_STATSMETRICS_H

#include "Config/StatsFile.h"
#include <string>

namespace clang::dist {

/// \p Config: the config's path, "default" for the built-in one; \p Running:
/// whether a server of it runs. Keys that name no family (a newer
/// clang-dist's) are left out.
std::string renderStatsMetrics(const StatsCounters &Counters,
                               llvm::StringRef Config, bool Running);

} // namespace clang::dist

#endif
