//===- Driver/ShowConfig.cpp - clang-dist --show-config -------------------===//

#include "Driver/ShowConfig.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <thread>

using namespace clang::dist;

namespace {

class Table {
public:
  explicit Table(const DistConfig &Config)
      : Config(Config), File(llvm::sys::path::filename(Config.Path)) {}

  void row(llvm::StringRef Key, const llvm::Twine &Value,
           std::optional<unsigned> Line) {
    std::string Origin =
        Line ? llvm::formatv("{0}:{1}", File, *Line).str() : "default";
    OS << llvm::formatv("{0,-21} {1,-29} {2}\n", Key, Value.str(), Origin);
  }
  /// A setting that is one line's or its default's.
  void setting(llvm::StringRef Key, const llvm::Twine &Value) {
    auto It = Config.SettingLines.find(Key);
    row(Key, Value,
        It == Config.SettingLines.end() ? std::nullopt
                                        : std::optional(It->second));
  }
  std::string take() { return std::move(OS.str()); }

private:
  const DistConfig &Config;
  llvm::StringRef File;
  std::string Text;
  llvm::raw_string_ostream OS{Text};
};

} // namespace

std::string clang::dist::describeConfig(const DistConfig &Config,
                                        unsigned Cores) {
  Table T(Config);
  // Slots of one line with consecutive ports, as "host:first-last".
  for (size_t I = 0; I != Config.Slots.size();) {
    size_t End = I + 1;
    while (End != Config.Slots.size() &&
           Config.SlotLines[End] == Config.SlotLines[I] &&
           Config.Slots[End].Host == Config.Slots[I].Host &&
           Config.Slots[End].Port == Config.Slots[End - 1].Port + 1)
      ++End;
    std::string Range = Config.Slots[I].str();
    if (End - I > 1)
      Range += llvm::formatv("-{0}", Config.Slots[End - 1].Port).str();
    T.row("worker", Range, Config.SlotLines[I]);
    I = End;
  }
  if (Config.Farm)
    T.setting("farm", Config.Farm->str());
  if (Config.Slots.empty() && !Config.Farm) {
    // Its slots are the local-workers line's.
    T.row("worker", "none: one on this machine", std::nullopt);
    T.setting("local-workers",
              Config.LocalSlots
                  ? llvm::Twine(Config.LocalSlots)
                  : llvm::Twine("one per core (") + llvm::Twine(Cores) + ")");
  } else {
    T.setting("mode", modeName(Config.Mode));
    if (Config.Mode == DistributionMode::Sources) {
      // Each job's own paths are the rest of what a worker may read.
      for (size_t I = 0; I != Config.SharedPaths.size(); ++I)
        T.row("share", Config.SharedPaths[I], Config.ShareLines[I]);
      if (Config.SharedPaths.empty())
        T.row("share", "none", std::nullopt);
    }
  }
  T.setting("secret", Config.SecretPath.empty() ? "none" : Config.SecretPath);
  T.setting("tls", Config.TlsOnLoopback ? "always" : "remote");
  T.setting("idle-timeout", llvm::Twine(Config.IdleTimeout.count()) + " s");
  T.setting("connect-timeout-ms",
            llvm::Twine(Config.ConnectTimeout.count()) + " ms");
  T.setting("heartbeat-timeout-ms",
            llvm::Twine(Config.HeartbeatTimeout.count()) + " ms");
  T.setting("worker-backoff", llvm::Twine(Config.SlotBackoff.count()) + " s");
  T.setting("fallback-warnings", Config.FallbackWarnings ? "on" : "off");
  T.setting("log-max-size", llvm::Twine(Config.LogMaxSize) + " bytes");
  std::string Cache = !Config.Cache ? "off" : "on";
  if (Config.Cache && Config.SharedCache) {
    const RedisAddress &Shared = *Config.SharedCache;
    Cache += ", shared " + Shared.str();
    if (!Shared.Password.empty())
      Cache += Shared.User.empty() ? " (with a password)"
                                   : " (as '" + Shared.User + "')";
    if (Config.Secret)
      Cache += ", signed with the secret";
  }
  T.setting("cache", Cache);
  llvm::Expected<std::string> CacheDir = resultCacheDirectory(Config);
  T.setting("cache-dir",
            CacheDir ? *CacheDir : llvm::toString(CacheDir.takeError()));
  T.setting("cache-size", llvm::Twine(Config.CacheSize) + " bytes");
  T.setting(
      "metrics",
      Config.MetricsHost.empty()
          ? std::string("off")
          : llvm::formatv(Config.MetricsHost.find(':') == std::string::npos
                              ? "{0}:{1}"
                              : "[{0}]:{1}",
                          Config.MetricsHost, Config.MetricsPort)
                .str());
  return T.take();
}

int clang::dist::showConfig(const DistConfig &Config) {
  llvm::outs() << "config: "
               << (Config.Path.empty()
                       ? "the built-in default (no --distributed, "
                         "CLANG_DIST_CONFIG unset)"
                       : Config.Path)
               << "\n"
               << describeConfig(
                      Config,
                      std::max(1u, std::thread::hardware_concurrency()));
  return 0;
}
