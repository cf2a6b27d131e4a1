//===- LocalServer/Stats.h - What became of the jobs ------------*- C++ -*-===//
//
// The server's counters (docs/MONITORING.md lists every key), loaded from
// the config's stats file when the server starts and written back at most
// once a second while they change, and at exit: a busy build rewrites a small
// file once a second, not once a job, and a server that is killed loses at
// most its last second.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_STATS_H
#define CLANG_DIST_LOCALSERVER_STATS_H

#include "Config/StatsFile.h"
#include "Support/Log.h"
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace clang::dist {

/// All calls on the io thread.
class Stats {
public:
  /// Counts on from \p Path's counters; with none (an empty \p Path, as in
  /// tests) it keeps them in memory only. A file that cannot be read is
  /// logged, and counting starts from zero.
  Stats(boost::asio::io_context &IO, std::string Path, Logger &Log);

  void add(const std::string &Key, uint64_t N = 1);
  /// Every counter, the fixed keys (statkeys::fixed) included.
  StatsCounters counters() const;
  /// Sets every counter to zero and writes the file now.
  void zero();
  /// Writes the file now if anything changed since it was written.
  void flush();

private:
  boost::asio::steady_timer Timer;
  std::string Path;
  Logger &Log;
  StatsCounters Counters;
  bool Dirty = false;
  bool FlushPending = false;
};

} // namespace clang::dist

#endif
