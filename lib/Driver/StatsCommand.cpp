//===- Driver/StatsCommand.cpp - clang-dist --show-stats and friends ------===//

#include "Driver/StatsCommand.h"
#include "Config/StatsFile.h"
#include "Config/StatsMetrics.h"
#include "Driver/ClientCommandLine.h"
#include "Driver/ClientFallbacks.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang::dist;

namespace {

/// Where the counters came from, for the table's first line.
struct Report {
  StatsCounters Counters;
  bool ServerRunning = false;
};

/// The running server's counters, zeroed first if \p Zero; none if no
/// server answers.
llvm::Expected<std::optional<StatsCounters>>
askServer(const ServerTarget &Target, bool Zero) {
  llvm::Expected<std::optional<FrameSocket>> Socket =
      connectToRunningServer(Target);
  if (!Socket)
    return Socket.takeError();
  if (!*Socket)
    return std::nullopt;
  StatsRequest Ask;
  Ask.Zero = Zero;
  if (llvm::Error E = (*Socket)->writeAll(encodeFrame(Ask)))
    return std::move(E);
  llvm::Expected<StatsReply> Stats = (*Socket)->read<StatsReply>();
  if (!Stats)
    return Stats.takeError();
  return StatsCounters(Stats->Counters.begin(), Stats->Counters.end());
}

/// The server's counters, or its file's, plus the clients' fallbacks.
llvm::Expected<Report> collect(const ServerTarget &Target) {
  Report R;
  llvm::Expected<std::optional<StatsCounters>> Live =
      askServer(Target, /*Zero=*/false);
  if (!Live)
    return Live.takeError();
  R.ServerRunning = Live->has_value();
  if (R.ServerRunning) {
    R.Counters = std::move(**Live);
  } else {
    llvm::Expected<StatsCounters> Saved = readStatsFile(Target.Paths.Stats);
    if (!Saved)
      return Saved.takeError();
    R.Counters = std::move(*Saved);
    for (std::string &Key : statkeys::fixed())
      R.Counters.emplace(std::move(Key), 0);
  }
  llvm::Expected<StatsCounters> Clients =
      readClientFallbacks(Target.Paths.ClientFallbacks);
  if (!Clients)
    return Clients.takeError();
  for (const auto &[Key, Value] : *Clients)
    R.Counters[Key] += Value;
  return R;
}

std::string bytes(uint64_t N) {
  if (N < 1024)
    return llvm::formatv("{0} B", N);
  if (N < (1u << 20))
    return llvm::formatv("{0:f1} KiB", N / 1024.0);
  if (N < (1u << 30))
    return llvm::formatv("{0:f1} MiB", N / 1048576.0);
  return llvm::formatv("{0:f1} GiB", N / 1073741824.0);
}

} // namespace

bool clang::dist::isStatsCommand(const ClientOptions &Options) {
  return Options.has(ClientOption::ShowStats) ||
         Options.has(ClientOption::PrintStats) ||
         Options.has(ClientOption::ZeroStats);
}

int clang::dist::runStatsCommand(const ClientOptions &Options,
                                 const ServerTarget &Target) {
  // ccache -z -s: zero first, then show.
  if (Options.has(ClientOption::ZeroStats))
    if (int Code = zeroStats(Target))
      return Code;
  if (Options.has(ClientOption::ShowStats))
    if (int Code = showStats(Target))
      return Code;
  if (Options.has(ClientOption::PrintStats)) {
    llvm::StringRef Name = Options.get(ClientOption::Format).value_or("tsv");
    if (Name != "tsv" && Name != "prometheus")
      return reportClientError(llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "unknown --format '" + Name + "' (expected tsv or prometheus)"));
    return printStats(Target, Name == "tsv" ? StatsFormat::Tsv
                                            : StatsFormat::Prometheus);
  }
  return 0;
}

int clang::dist::printStats(const ServerTarget &Target, StatsFormat Format) {
  llvm::Expected<Report> R = collect(Target);
  if (!R)
    return reportClientError(R.takeError());
  if (Format == StatsFormat::Prometheus) {
    llvm::outs() << renderStatsMetrics(
        R->Counters, Target.ConfigPath.empty() ? "default" : Target.ConfigPath,
        R->ServerRunning);
    return 0;
  }
  for (const auto &[Key, Value] : R->Counters)
    llvm::outs() << Key << '\t' << Value << '\n';
  return 0;
}

int clang::dist::showStats(const ServerTarget &Target) {
  llvm::Expected<Report> R = collect(Target);
  if (!R)
    return reportClientError(R.takeError());
  StatsCounters &C = R->Counters;
  llvm::raw_ostream &OS = llvm::outs();
  // Name, value, and a share of all jobs where it has one, as ccache -s.
  auto Row = [&](unsigned Indent, llvm::StringRef Name,
                 const llvm::Twine &Value, std::string Share = "") {
    OS << std::string(Indent, ' ') << llvm::left_justify(Name, 30 - Indent)
       << llvm::right_justify(Value.str(), 12) << Share << '\n';
  };
  OS << "Config:  "
     << (Target.ConfigPath.empty() ? "built-in default" : Target.ConfigPath)
     << '\n'
     << "Server:  " << (R->ServerRunning ? "running" : "not running")
     << "; servers started: " << C[statkeys::ServerStarts] << '\n';
  uint64_t Remote = C[statkeys::JobsRemote], Cached = C[statkeys::CacheHit],
           ByDesign = C[statkeys::JobsLocalByDesign],
           Fallback = C[statkeys::JobsLocalFallback];
  uint64_t All = Remote + Cached + ByDesign + Fallback;
  auto Share = [&](uint64_t N) -> std::string {
    return All ? llvm::formatv(" ({0,5:f1}%)", 100.0 * N / All).str() : "";
  };
  OS << "Jobs\n";
  Row(2, "compiled remotely", llvm::Twine(Remote), Share(Remote));
  Row(2, "from the result cache", llvm::Twine(Cached), Share(Cached));
  Row(2, "local by design", llvm::Twine(ByDesign), Share(ByDesign));
  Row(2, "local after a fallback", llvm::Twine(Fallback), Share(Fallback));
  for (FallbackCause Cause : fallbackCauses())
    if (uint64_t N = C[statkeys::fallback(Cause)])
      Row(4, fallbackCauseName(Cause), llvm::Twine(N));
  Row(2, "retried on another slot", llvm::Twine(C[statkeys::Retries]));
  Row(2, "cancelled", llvm::Twine(C[statkeys::JobsCancelled]));
  uint64_t Misses = C[statkeys::CacheMiss];
  OS << "Result cache\n";
  Row(2, "hits", llvm::Twine(Cached),
      Cached + Misses
          ? llvm::formatv(" ({0,5:f1}%)", 100.0 * Cached / (Cached + Misses))
                .str()
          : "");
  Row(4, "from the shared cache", llvm::Twine(C[statkeys::CacheHitShared]));
  Row(2, "misses", llvm::Twine(Misses));
  Row(2, "results not kept", llvm::Twine(C[statkeys::CacheUncacheable]));
  std::string Prefix = statkeys::uncacheable("");
  for (const auto &[Key, Value] : C)
    if (llvm::StringRef(Key).startswith(Prefix) && Value)
      Row(4, llvm::StringRef(Key).drop_front(Prefix.size()),
          llvm::Twine(Value));
  OS << "Workers\n";
  Row(2, "sent", bytes(C[statkeys::BytesSent]));
  Row(2, "received", bytes(C[statkeys::BytesReceived]));
  Row(2, "compile time",
      llvm::formatv("{0:f1} s", C[statkeys::WorkerCompileMs] / 1000.0));
  // slot/HOST:PORT/WHAT, grouped by slot in key order.
  std::string Current;
  for (const auto &[Key, Value] : C) {
    llvm::StringRef Rest(Key);
    if (!Rest.consume_front("slot/"))
      continue;
    auto [Slot, What] = Rest.rsplit('/');
    if (Current.empty())
      OS << "Slots\n";
    if (Slot != Current) {
      Current = Slot.str();
      OS << "  " << Current << '\n';
    }
    Row(4,
        What.consume_front("failed_") ? ("failed: " + What).str() : What.str(),
        llvm::Twine(Value));
  }
  return 0;
}

int clang::dist::zeroStats(const ServerTarget &Target) {
  llvm::Expected<std::optional<StatsCounters>> Live =
      askServer(Target, /*Zero=*/true);
  if (!Live)
    return reportClientError(Live.takeError());
  if (!*Live) {
    llvm::Expected<bool> Zeroed = whileNoServer(
        Target, [&] { return writeStatsFile(Target.Paths.Stats, {}); });
    if (!Zeroed)
      return reportClientError(Zeroed.takeError());
    // A server started between the question and the lock: ask it.
    if (!*Zeroed) {
      Live = askServer(Target, /*Zero=*/true);
      if (!Live)
        return reportClientError(Live.takeError());
    }
  }
  if (llvm::Error E = zeroClientFallbacks(Target.Paths.ClientFallbacks))
    return reportClientError(std::move(E));
  llvm::outs() << "Statistics zeroed\n";
  return 0;
}
