//===- Config/Config.cpp - dist.conf: where the workers are ---------------===//

#include "Config/Config.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace clang::dist;

std::string SlotAddress::str() const {
  if (llvm::StringRef(Host).contains(':'))
    return llvm::formatv("[{0}]:{1}", Host, Port).str();
  return llvm::formatv("{0}:{1}", Host, Port).str();
}

namespace {

/// A dist.conf has at most this many slots: more is a typo in a port range.
constexpr unsigned MaxSlots = 65536;
/// Bounds far above any real config, so that a file that is not one (a
/// binary, a log) is refused before its bytes reach an error or a log line.
constexpr size_t MaxFileSize = 1 << 20;
constexpr size_t MaxLineLength = 4096;
/// The longest DNS name.
constexpr size_t MaxHostLength = 253;
/// A value quoted in an error is cut to this many bytes.
constexpr size_t MaxQuotedLength = 80;

/// \p Value in quotes for an error message: escaped, so that a binary file
/// puts no raw bytes on the user's terminal and a NUL cuts nothing short,
/// and cut, so that a huge word does not flood it.
std::string quote(llvm::StringRef Value) {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  OS << '\'';
  OS.write_escaped(Value.take_front(MaxQuotedLength), /*UseHexEscapes=*/true);
  if (Value.size() > MaxQuotedLength)
    OS << "...";
  OS << '\'';
  return OS.str();
}

class LineParser {
public:
  LineParser(llvm::StringRef FileName, unsigned LineNo)
      : FileName(FileName), LineNo(LineNo) {}

  llvm::Error error(const llvm::Twine &Problem) const {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s:%u: %s",
                                   FileName.str().c_str(), LineNo,
                                   Problem.str().c_str());
  }

  llvm::Expected<uint16_t> port(llvm::StringRef Text) const {
    unsigned V;
    if (Text.getAsInteger(10, V) || V == 0 || V > 65535)
      return error("invalid port " + quote(Text) + " (expected 1-65535)");
    return static_cast<uint16_t>(V);
  }

  llvm::Expected<unsigned> number(llvm::StringRef Key, llvm::StringRef Text,
                                  unsigned Min, unsigned Max) const {
    unsigned V;
    if (Text.getAsInteger(10, V) || V < Min || V > Max)
      return error(llvm::formatv("invalid value {0} for {1} (expected {2}-{3})",
                                 quote(Text), Key, Min, Max));
    return V;
  }

  /// A byte count, with an optional suffix K, M, G or T (powers of 1024),
  /// from 1 MiB to 1 PiB.
  llvm::Expected<uint64_t> size(llvm::StringRef Key,
                                llvm::StringRef Text) const {
    uint64_t Unit = 1;
    llvm::StringRef Digits = Text;
    size_t Shift = llvm::StringRef("KMGT").find(
        llvm::toUpper(Text.empty() ? '\0' : Text.back()));
    if (Shift != llvm::StringRef::npos) {
      Unit = 1ull << (10 * (Shift + 1));
      Digits = Digits.drop_back();
    }
    uint64_t V;
    if (Digits.getAsInteger(10, V) || V > (1ull << 50) / Unit ||
        V * Unit < (1ull << 20))
      return error(llvm::formatv("invalid value {0} for {1} (expected a size "
                                 "from 1M to 1024T, such as 5G)",
                                 quote(Text), Key));
    return V * Unit;
  }

  /// "host:port", "host:first-last" or "[v6addr]:port...", optionally
  /// followed by "cores=N". \p Key is the key as the line spells it
  /// ("worker", or its older name "slave"), for the messages.
  llvm::Error worker(llvm::StringRef Key, llvm::ArrayRef<llvm::StringRef> Words,
                     std::vector<SlotAddress> &Out) const {
    if (Words.empty() || Words.size() > 2)
      return error("expected '" + Key + " HOST:PORT[-LAST] [cores=N]'");
    llvm::StringRef Spec = Words[0], Host, Ports;
    if (Spec.startswith("[")) {
      size_t Close = Spec.find("]:");
      if (Close == llvm::StringRef::npos)
        return error("invalid " + Key + " address " + quote(Spec));
      Host = Spec.slice(1, Close);
      Ports = Spec.drop_front(Close + 2);
    } else {
      std::tie(Host, Ports) = Spec.rsplit(':');
      if (Ports.empty() || Host.contains(':'))
        return error(Key + " " + quote(Spec) +
                     " has no port (expected HOST:PORT)");
    }
    if (Host.empty())
      return error(Key + " " + quote(Spec) + " has no host");
    if (Host.size() > MaxHostLength)
      return error("host name " + quote(Host) + " is longer than " +
                   llvm::Twine(MaxHostLength) + " bytes");
    auto [FirstText, LastText] = Ports.split('-');
    // "7000-" is a range missing its end, not port 7000.
    bool IsRange = Ports.contains('-');
    auto First = port(FirstText);
    if (!First)
      return First.takeError();
    uint16_t Last = *First;
    if (IsRange) {
      auto L = port(LastText);
      if (!L)
        return L.takeError();
      if (*L < *First)
        return error("port range " + quote(Ports) + " ends before it starts");
      Last = *L;
    }
    if (Words.size() == 2) {
      if (IsRange)
        return error("give a port range or cores=N, not both");
      llvm::StringRef Cores = Words[1];
      if (!Cores.consume_front("cores="))
        return error("unexpected " + quote(Words[1]) + " (expected cores=N)");
      auto N = number("cores", Cores, 1, 4096);
      if (!N)
        return N.takeError();
      if (*First + *N - 1 > 65535)
        return error("cores=" + Cores + " runs past port 65535");
      Last = *First + *N - 1;
    }
    if (Out.size() + (Last - *First + 1) > MaxSlots)
      return error("too many slots (the limit is 65536)");
    for (unsigned P = *First; P <= Last; ++P)
      Out.push_back({Host.str(), static_cast<uint16_t>(P)});
    return llvm::Error::success();
  }

private:
  llvm::StringRef FileName;
  unsigned LineNo;
};

/// A key by its current name.
llvm::StringRef canonicalKey(llvm::StringRef Key) {
  if (Key == "local-slaves")
    return "local-workers";
  if (Key == "slave-backoff")
    return "worker-backoff";
  return Key;
}

ConfigFileStamp stampOf(const struct stat &Status) {
  return {static_cast<uint64_t>(Status.st_dev),
          static_cast<uint64_t>(Status.st_ino),
          static_cast<uint64_t>(Status.st_size),
          static_cast<int64_t>(Status.st_mtim.tv_sec) * 1000000000 +
              Status.st_mtim.tv_nsec};
}

} // namespace

std::optional<ConfigFileStamp>
clang::dist::stampConfigFile(llvm::StringRef Path) {
  struct stat Status;
  if (::stat(Path.str().c_str(), &Status) != 0)
    return std::nullopt;
  return stampOf(Status);
}

std::optional<std::string>
clang::dist::changedConfigFile(const DistConfig &Config) {
  for (const auto &[Path, Stamp] : Config.ReadFrom)
    if (stampConfigFile(Path) != Stamp)
      return Path;
  return std::nullopt;
}

llvm::Expected<DistConfig> clang::dist::parseConfig(llvm::StringRef Text,
                                                    llvm::StringRef FileName) {
  DistConfig Config;
  llvm::SmallVector<llvm::StringRef, 0> Lines;
  Text.split(Lines, '\n');
  for (unsigned I = 0; I < Lines.size(); ++I) {
    LineParser P(FileName, I + 1);
    if (Lines[I].size() > MaxLineLength)
      return P.error("line is longer than " + llvm::Twine(MaxLineLength) +
                     " bytes");
    llvm::StringRef Line = Lines[I].split('#').first.trim();
    if (Line.empty())
      continue;
    llvm::SmallVector<llvm::StringRef, 4> Words;
    llvm::SplitString(Line, Words);
    llvm::StringRef Key = Words[0];
    llvm::ArrayRef<llvm::StringRef> Args = llvm::ArrayRef(Words).drop_front();

    // "slave", "local-slaves" and "slave-backoff" are the older names of
    // "worker", "local-workers" and "worker-backoff" (docs/CONFIG.md).
    if (Key == "worker" || Key == "slave") {
      if (llvm::Error E = P.worker(Key, Args, Config.Slots))
        return E;
      Config.SlotLines.resize(Config.Slots.size(), I + 1);
      continue;
    }
    // The value count is checked per known key, so that a misspelt key is
    // reported as unknown whatever follows it.
    auto setNumber = [&](unsigned Min, unsigned Max,
                         auto Apply) -> llvm::Error {
      if (Args.size() != 1)
        return P.error("expected '" + Key + " VALUE'");
      auto V = P.number(Key, Args[0], Min, Max);
      if (!V)
        return V.takeError();
      Apply(*V);
      return llvm::Error::success();
    };
    llvm::Error E = llvm::Error::success();
    if (Key == "idle-timeout")
      E = setNumber(1, 86400, [&](unsigned V) {
        Config.IdleTimeout = std::chrono::seconds(V);
      });
    else if (Key == "local-workers" || Key == "local-slaves")
      E = setNumber(1, 4096, [&](unsigned V) { Config.LocalSlots = V; });
    else if (Key == "connect-timeout-ms")
      E = setNumber(10, 600000, [&](unsigned V) {
        Config.ConnectTimeout = std::chrono::milliseconds(V);
      });
    else if (Key == "heartbeat-timeout-ms")
      E = setNumber(100, 3600000, [&](unsigned V) {
        Config.HeartbeatTimeout = std::chrono::milliseconds(V);
      });
    else if (Key == "worker-backoff" || Key == "slave-backoff")
      E = setNumber(0, 86400, [&](unsigned V) {
        Config.SlotBackoff = std::chrono::seconds(V);
      });
    else if (Key == "log-max-size")
      E = setNumber(4096, 1u << 30, [&](unsigned V) { Config.LogMaxSize = V; });
    else if (Key == "fallback-warnings") {
      if (Args.size() == 1 && (Args[0] == "on" || Args[0] == "off"))
        Config.FallbackWarnings = Args[0] == "on";
      else
        E = P.error("expected 'fallback-warnings on' or 'fallback-warnings "
                    "off'");
    } else if (Key == "cache") {
      if (Args.size() == 1 && (Args[0] == "on" || Args[0] == "off")) {
        Config.Cache = Args[0] == "on";
        Config.SharedCache.reset();
      } else if (Args.size() == 1 && Args[0].startswith("redis://")) {
        llvm::Expected<RedisAddress> Address = RedisAddress::parse(Args[0]);
        if (!Address)
          E = P.error(llvm::toString(Address.takeError()));
        else {
          Config.Cache = true;
          Config.SharedCache = std::move(*Address);
        }
      } else
        E = P.error("expected 'cache on', 'cache off' or 'cache "
                    "redis://[[USER:]PASSWORD@]HOST[:PORT][/DB]'");
    } else if (Key == "farm") {
      llvm::Expected<RedisAddress> Address =
          Args.size() == 1 && Args[0].startswith("redis://")
              ? RedisAddress::parse(Args[0])
              : llvm::createStringError(llvm::inconvertibleErrorCode(),
                                        "expected 'farm "
                                        "redis://[[USER:]PASSWORD@]HOST[:PORT]"
                                        "[/DB]'");
      if (!Address)
        E = P.error(llvm::toString(Address.takeError()));
      else
        Config.Farm = std::move(*Address);
    } else if (Key == "cache-dir") {
      if (Args.size() != 1)
        E = P.error("expected 'cache-dir DIRECTORY'");
      else
        Config.CacheDir = Args[0].str();
    } else if (Key == "cache-size") {
      if (Args.size() != 1)
        E = P.error("expected 'cache-size SIZE'");
      else if (llvm::Expected<uint64_t> Size = P.size(Key, Args[0]))
        Config.CacheSize = *Size;
      else
        E = Size.takeError();
    } else if (Key == "share") {
      if (Args.size() != 1)
        E = P.error("expected 'share PATH'");
      else {
        Config.SharedPaths.push_back(Args[0].str());
        Config.ShareLines.push_back(I + 1);
      }
    } else if (Key == "secret") {
      if (Args.size() != 1)
        E = P.error("expected 'secret FILE'");
      else
        Config.SecretPath = Args[0].str();
    } else if (Key == "metrics") {
      // HOST:PORT, with an IPv6 HOST in brackets; numeric, as it is bound.
      llvm::StringRef Host, Port;
      if (Args.size() == 1)
        std::tie(Host, Port) = Args[0].rsplit(':');
      bool Bracketed = Host.consume_front("[") && Host.consume_back("]");
      unsigned N = 0;
      if (Args.size() == 1 && Args[0] == "off") {
        Config.MetricsHost.clear();
      } else if (Host.empty() || Port.getAsInteger(10, N) || N == 0 ||
                 N > 65535 || Bracketed != Host.contains(':')) {
        E = P.error("expected 'metrics off' or 'metrics HOST:PORT' (a "
                    "numeric address, an IPv6 one in brackets, and a port "
                    "1-65535)");
      } else {
        Config.MetricsHost = Host.str();
        Config.MetricsPort = N;
      }
    } else if (Key == "tls") {
      if (Args.size() == 1 && (Args[0] == "remote" || Args[0] == "always"))
        Config.TlsOnLoopback = Args[0] == "always";
      else
        E = P.error("expected 'tls remote' or 'tls always'");
    } else if (Key == "mode") {
      if (Args.size() == 1 && Args[0] == "sources")
        Config.Mode = DistributionMode::Sources;
      else if (Args.size() == 1 && Args[0] == "preprocessed")
        Config.Mode = DistributionMode::Preprocessed;
      else
        E = P.error("expected 'mode sources' or 'mode preprocessed'");
    } else
      E = P.error("unknown setting " + quote(Key));
    if (E)
      return E;
    Config.SettingLines[canonicalKey(Key).str()] = I + 1;
  }
  if (Config.TlsOnLoopback && Config.SecretPath.empty())
    return LineParser(FileName, Config.SettingLines["tls"])
        .error("'tls always' needs a 'secret' line: the TLS key is derived "
               "from the secret");
  return Config;
}

/// The contents of the regular file \p Path. Anything else is refused
/// without waiting: a FIFO would block the client, and the server it starts,
/// until someone writes to it.
static llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readConfigFile(llvm::StringRef Path, ConfigFileStamp &Stamp) {
  auto Failed = [&](std::error_code EC, llvm::StringRef Why) {
    return llvm::createStringError(EC, "cannot read config file '%s': %s",
                                   Path.str().c_str(), Why.str().c_str());
  };
  int Fd = ::open(Path.str().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  auto Close = llvm::make_scope_exit([Fd] {
    if (Fd >= 0)
      ::close(Fd);
  });
  struct stat Status;
  if (Fd < 0 || ::fstat(Fd, &Status) != 0) {
    std::error_code EC(errno, std::generic_category());
    return Failed(EC, EC.message());
  }
  if (!S_ISREG(Status.st_mode))
    return Failed(std::make_error_code(std::errc::invalid_argument),
                  "not a regular file");
  Stamp = stampOf(Status);
  if (static_cast<uint64_t>(Status.st_size) > MaxFileSize)
    return Failed(std::make_error_code(std::errc::file_too_large),
                  "larger than 1 MiB");
  auto Buffer = llvm::MemoryBuffer::getOpenFile(Fd, Path, Status.st_size);
  if (!Buffer)
    return Failed(Buffer.getError(), Buffer.getError().message());
  return std::move(*Buffer);
}

llvm::Expected<DistConfig> clang::dist::loadConfig(llvm::StringRef Path) {
  ConfigFileStamp Stamp;
  auto Buffer = readConfigFile(Path, Stamp);
  if (!Buffer)
    return Buffer.takeError();
  auto Config = parseConfig((*Buffer)->getBuffer(), Path);
  if (!Config)
    return Config.takeError();
  llvm::SmallString<256> Real;
  if (std::error_code EC = llvm::sys::fs::real_path(Path, Real))
    return llvm::createStringError(EC, "cannot resolve config path '%s'",
                                   Path.str().c_str());
  Config->Path = std::string(Real);
  Config->ReadFrom.emplace_back(Config->Path, Stamp);
  auto FromConfigDir = [&](std::string &Path) {
    if (Path.empty() || llvm::sys::path::is_absolute(Path))
      return;
    llvm::SmallString<256> Dir = llvm::sys::path::parent_path(Config->Path);
    llvm::sys::path::append(Dir, Path);
    Path = std::string(Dir);
  };
  FromConfigDir(Config->CacheDir);
  for (std::string &Shared : Config->SharedPaths) {
    FromConfigDir(Shared);
    llvm::SmallString<256> Normal(Shared);
    llvm::sys::path::remove_dots(Normal, /*remove_dot_dot=*/true);
    Shared = std::string(Normal);
  }
  if (!Config->SecretPath.empty()) {
    llvm::SmallString<256> Secret(Config->SecretPath);
    if (!llvm::sys::path::is_absolute(Secret)) {
      Secret = llvm::sys::path::parent_path(Config->Path);
      llvm::sys::path::append(Secret, Config->SecretPath);
    }
    // Before reading it: a change in between then looks like one after.
    if (std::optional<ConfigFileStamp> SecretStamp = stampConfigFile(Secret))
      Config->ReadFrom.emplace_back(std::string(Secret), *SecretStamp);
    auto Loaded = SharedSecret::load(Secret);
    if (!Loaded)
      return llvm::createStringError(
          llvm::errc::permission_denied, "%s: %s", Path.str().c_str(),
          llvm::toString(Loaded.takeError()).c_str());
    Config->Secret = std::move(*Loaded);
    Config->SecretPath = std::string(Secret);
  }
  return Config;
}

llvm::Expected<std::string>
clang::dist::resultCacheDirectory(const DistConfig &Config) {
  if (!Config.CacheDir.empty())
    return Config.CacheDir;
  llvm::SmallString<256> Dir;
  if (const char *Xdg = ::getenv("XDG_CACHE_HOME"); Xdg && *Xdg == '/') {
    Dir = Xdg;
  } else if (const char *Home = ::getenv("HOME"); Home && *Home == '/') {
    Dir = Home;
    llvm::sys::path::append(Dir, ".cache");
  } else {
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "no directory for the result cache: HOME is not set (set cache-dir)");
  }
  llvm::sys::path::append(Dir, "clang-dist");
  return std::string(Dir);
}
