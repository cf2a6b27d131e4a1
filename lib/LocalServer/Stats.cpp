//===- LocalServer/Stats.cpp - What became of the jobs --------------------===//

#include "LocalServer/Stats.h"

using namespace clang::dist;

namespace {
constexpr std::chrono::seconds FlushDelay(1);
} // namespace

Stats::Stats(boost::asio::io_context &IO, std::string Path, Logger &Log)
    : Timer(IO), Path(std::move(Path)), Log(Log) {
  if (this->Path.empty())
    return;
  llvm::Expected<StatsCounters> Loaded = readStatsFile(this->Path);
  if (Loaded)
    Counters = std::move(*Loaded);
  else
    Log.log("counting from zero: " + llvm::toString(Loaded.takeError()));
}

void Stats::add(const std::string &Key, uint64_t N) {
  Counters[Key] += N;
  Dirty = true;
  if (FlushPending || Path.empty())
    return;
  FlushPending = true;
  Timer.expires_after(FlushDelay);
  Timer.async_wait([this](boost::system::error_code EC) {
    if (EC)
      return;
    FlushPending = false;
    flush();
  });
}

StatsCounters Stats::counters() const {
  StatsCounters All = Counters;
  for (std::string &Key : statkeys::fixed())
    All.emplace(std::move(Key), 0);
  return All;
}

void Stats::zero() {
  // Per-slot keys go: a slot removed from the config would stay listed at 0.
  Counters.clear();
  Dirty = true;
  flush();
}

void Stats::flush() {
  if (!Dirty || Path.empty())
    return;
  Dirty = false;
  if (llvm::Error E = writeStatsFile(Path, Counters))
    Log.log("cannot write the stats: " + llvm::toString(std::move(E)));
}
