//===- unittests/Config/ConfigTest.cpp - dist.conf parser tests -----------===//

#include "Config/Config.h"
#include "ExpectedMatchers.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <string>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

DistConfig parse(llvm::StringRef Text) {
  return unwrap(parseConfig(Text, "dist.conf"));
}

/// The error of parsing \p Text, or a marker no Contains() check accepts.
std::string parseError(llvm::StringRef Text) {
  llvm::Expected<DistConfig> Config = parseConfig(Text, "dist.conf");
  if (Config)
    return "<no error>";
  return llvm::toString(Config.takeError());
}

/// An error that starts with "FILE:LINE: " and mentions the problem. (Catch2
/// v2's composed matchers keep references to their parts, so a function
/// cannot return Contains(A) && Contains(B).)
class IsErrorAt : public Catch::MatcherBase<std::string> {
public:
  IsErrorAt(std::string Location, std::string Problem)
      : Location(std::move(Location)), Problem(std::move(Problem)) {}
  bool match(const std::string &Text) const override {
    llvm::StringRef T(Text);
    return T.startswith(Location + ": ") && T.contains(Problem);
  }
  std::string describe() const override {
    return "is an error at " + Location + ": mentioning \"" + Problem + "\"";
  }

private:
  std::string Location;
  std::string Problem;
};

std::string loadError(const std::string &Path) {
  llvm::Expected<DistConfig> Config = loadConfig(Path);
  if (Config)
    return "<no error>";
  return llvm::toString(Config.takeError());
}

std::vector<SlotAddress> ports(llvm::StringRef Host, unsigned First,
                               unsigned Last) {
  std::vector<SlotAddress> Out;
  for (unsigned P = First; P <= Last; ++P)
    Out.push_back({Host.str(), static_cast<uint16_t>(P)});
  return Out;
}

/// A directory removed with its contents at the end of the test.
struct TempDir {
  TempDir() {
    REQUIRE_FALSE(
        llvm::sys::fs::createUniqueDirectory("clang-dist-config", Path));
  }
  ~TempDir() { llvm::sys::fs::remove_directories(Path); }
  std::string file(llvm::StringRef Name) const {
    llvm::SmallString<128> File(Path);
    llvm::sys::path::append(File, Name);
    return File.str().str();
  }
  llvm::SmallString<128> Path;
};

void writeFile(const std::string &Path, llvm::StringRef Text) {
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  REQUIRE_FALSE(EC);
  OS << Text;
}

} // namespace

TEST_CASE("An empty config has the defaults", "[Config]") {
  DistConfig Config = parse("");
  CHECK(Config.Path.empty());
  CHECK(Config.Slots.empty());
  CHECK(Config.LocalSlots == 0);
  CHECK(Config.IdleTimeout == 30s);
  CHECK(Config.ConnectTimeout == 3000ms);
  CHECK(Config.HeartbeatTimeout == 10000ms);
  CHECK(Config.SlotBackoff == 30s);
  CHECK(Config.FallbackWarnings);
  CHECK(Config.LogMaxSize == 10u << 20);
}

TEST_CASE("Worker lines", "[Config]") {
  SECTION("host:port") {
    CHECK(parse("worker build1:7000").Slots == ports("build1", 7000, 7000));
  }
  SECTION("host:first-last") {
    CHECK(parse("worker build1:7000-7003").Slots ==
          ports("build1", 7000, 7003));
    CHECK(parse("worker b:9-9").Slots == ports("b", 9, 9));
    CHECK(parse("worker b:1-65535").Slots.size() == 65535);
  }
  SECTION("host:port cores=N") {
    CHECK(parse("worker build1:7000 cores=3").Slots ==
          ports("build1", 7000, 7002));
    CHECK(parse("worker b:65535 cores=1").Slots == ports("b", 65535, 65535));
  }
  SECTION("IPv6 addresses in brackets") {
    DistConfig Config = parse("worker [::1]:7000\n"
                              "worker [fe80::1%eth0]:8000-8001");
    std::vector<SlotAddress> Expected = ports("::1", 7000, 7000);
    for (const SlotAddress &E : ports("fe80::1%eth0", 8000, 8001))
      Expected.push_back(E);
    CHECK(Config.Slots == Expected);
    CHECK(Config.Slots[0].str() == "[::1]:7000");
  }
  SECTION("every line adds slots, in order") {
    DistConfig Config = parse("worker a:1\nworker 10.0.0.2:5-6\nworker a:1");
    std::vector<SlotAddress> Expected = {
        {"a", 1}, {"10.0.0.2", 5}, {"10.0.0.2", 6}, {"a", 1}};
    CHECK(Config.Slots == Expected);
    CHECK(Config.Slots[1].str() == "10.0.0.2:5");
  }
}

TEST_CASE("Comments and blank lines and spacing are ignored", "[Config]") {
  DistConfig Config = parse("# the build farm\n"
                            "\n"
                            "   \t \n"
                            "  worker\ta:1   # the first\n"
                            "#worker b:2\n"
                            "idle-timeout 5#seconds\r\n"
                            "worker c:3\r\n");
  std::vector<SlotAddress> Expected = {{"a", 1}, {"c", 3}};
  CHECK(Config.Slots == Expected);
  CHECK(Config.IdleTimeout == 5s);
}

TEST_CASE("Settings", "[Config]") {
  DistConfig Config = parse("idle-timeout 120\n"
                            "local-workers 8\n"
                            "connect-timeout-ms 500\n"
                            "heartbeat-timeout-ms 2500\n"
                            "worker-backoff 0\n");
  CHECK(Config.Slots.empty());
  CHECK(Config.IdleTimeout == 120s);
  CHECK(Config.LocalSlots == 8);
  CHECK(Config.ConnectTimeout == 500ms);
  CHECK(Config.HeartbeatTimeout == 2500ms);
  CHECK(Config.SlotBackoff == 0s);

  // The last of repeated settings wins.
  CHECK(parse("idle-timeout 1\nidle-timeout 86400").IdleTimeout == 86400s);
}

TEST_CASE("The older names of the keys still work", "[Config]") {
  // Before the rename to "worker": slave, local-slaves and slave-backoff.
  SECTION("slave is worker") {
    CHECK(parse("slave build1:7000").Slots == ports("build1", 7000, 7000));
    CHECK(parse("slave build1:7000-7003").Slots == ports("build1", 7000, 7003));
    CHECK(parse("slave b:7000 cores=2").Slots == ports("b", 7000, 7001));
    DistConfig Mixed = parse("slave a:1\nworker a:2");
    std::vector<SlotAddress> Expected = {{"a", 1}, {"a", 2}};
    CHECK(Mixed.Slots == Expected);
  }
  SECTION("local-slaves and slave-backoff") {
    DistConfig Config = parse("local-slaves 8\nslave-backoff 0\n");
    CHECK(Config.Slots.empty());
    CHECK(Config.LocalSlots == 8);
    CHECK(Config.SlotBackoff == 0s);
    CHECK(parse("local-workers 2\nlocal-slaves 5").LocalSlots == 5);
  }
  SECTION("errors name the key as the line spells it") {
    auto errorAtLine1 = [](llvm::StringRef Line) {
      return parseError(Line.str());
    };
    auto At = [](const std::string &Problem) {
      return IsErrorAt("dist.conf:1", Problem);
    };
    CHECK_THAT(errorAtLine1("slave [::1]"), At("invalid slave address"));
    CHECK_THAT(errorAtLine1("worker [::1]"), At("invalid worker address"));
    CHECK_THAT(errorAtLine1("slave :7000"), At("slave ':7000' has no host"));
    CHECK_THAT(errorAtLine1("worker b"), At("worker 'b' has no port"));
    CHECK_THAT(errorAtLine1("slave"),
               At("expected 'slave HOST:PORT[-LAST] [cores=N]'"));
    CHECK_THAT(errorAtLine1("local-slaves 0"),
               At("invalid value '0' for local-slaves"));
    CHECK_THAT(errorAtLine1("slave-backoff"),
               At("expected 'slave-backoff VALUE'"));
    CHECK_THAT(errorAtLine1("worker-backoff x"),
               At("invalid value 'x' for worker-backoff"));
  }
}

TEST_CASE("Config errors name the file and the line and the problem",
          "[Config]") {
  // Comments and blank lines count: the bad line is always line 3.
  auto errorAtLine3 = [](llvm::StringRef Line) {
    return parseError(("# farm\n\n" + Line + "\nworker ok:1\n").str());
  };
  auto At = [](const std::string &Problem) {
    return IsErrorAt("dist.conf:3", Problem);
  };

  SECTION("unknown key") {
    CHECK_THAT(errorAtLine3("workers a:1"), At("unknown setting 'workers'"));
    CHECK_THAT(errorAtLine3("idle_timeout"), At("unknown setting"));
    CHECK_THAT(errorAtLine3("bogus 1 2"), At("unknown setting 'bogus'"));
  }
  SECTION("missing port") {
    CHECK_THAT(errorAtLine3("worker build1"), At("has no port"));
    CHECK_THAT(errorAtLine3("worker build1:"), At("has no port"));
    CHECK_THAT(errorAtLine3("worker ::1"), At("has no port"));
    CHECK_THAT(errorAtLine3("worker [::1]"), At("invalid worker address"));
    CHECK_THAT(errorAtLine3("worker :7000"), At("has no host"));
    CHECK_THAT(errorAtLine3("worker []:7000"), At("has no host"));
  }
  SECTION("bad port") {
    CHECK_THAT(errorAtLine3("worker a:0"), At("invalid port '0'"));
    CHECK_THAT(errorAtLine3("worker a:65536"), At("invalid port '65536'"));
    CHECK_THAT(errorAtLine3("worker a:abc"), At("invalid port 'abc'"));
    CHECK_THAT(errorAtLine3("worker a:-1"), At("invalid port ''"));
    CHECK_THAT(errorAtLine3("worker a:99999999999"),
               At("invalid port '99999999999'"));
    CHECK_THAT(errorAtLine3("worker a:1-65536"), At("invalid port '65536'"));
    CHECK_THAT(errorAtLine3("worker a:1-x"), At("invalid port 'x'"));
    // A range missing its end is not its first port.
    CHECK_THAT(errorAtLine3("worker a:7000-"), At("invalid port ''"));
  }
  SECTION("reversed range") {
    CHECK_THAT(errorAtLine3("worker a:7003-7000"),
               At("port range '7003-7000' ends before it starts"));
  }
  SECTION("range and cores together") {
    CHECK_THAT(errorAtLine3("worker a:7000-7003 cores=4"), At("not both"));
  }
  SECTION("bad cores") {
    CHECK(parse("worker a:65000 cores=536").Slots.back().Port == 65535);
    CHECK_THAT(errorAtLine3("worker a:65000 cores=537"),
               At("cores=537 runs past port 65535"));
    CHECK_THAT(errorAtLine3("worker a:7000 cores=0"),
               At("invalid value '0' for cores"));
    CHECK_THAT(errorAtLine3("worker a:7000 cores=x"),
               At("invalid value 'x' for cores"));
    CHECK_THAT(errorAtLine3("worker a:7000 threads=4"),
               At("unexpected 'threads=4' (expected cores=N)"));
  }
  SECTION("extra or missing words") {
    CHECK_THAT(errorAtLine3("worker a:7000 cores=4 fast"),
               At("expected 'worker HOST:PORT[-LAST] [cores=N]'"));
    CHECK_THAT(errorAtLine3("worker"),
               At("expected 'worker HOST:PORT[-LAST] [cores=N]'"));
    CHECK_THAT(errorAtLine3("idle-timeout 30 40"),
               At("expected 'idle-timeout VALUE'"));
    CHECK_THAT(errorAtLine3("local-workers"),
               At("expected 'local-workers VALUE'"));
  }
  SECTION("setting out of range") {
    CHECK_THAT(errorAtLine3("idle-timeout 0"),
               At("invalid value '0' for idle-timeout (expected 1-86400)"));
    CHECK_THAT(errorAtLine3("local-workers 4097"),
               At("invalid value '4097' for local-workers"));
    CHECK_THAT(errorAtLine3("connect-timeout-ms 9"),
               At("invalid value '9' for connect-timeout-ms"));
    CHECK_THAT(errorAtLine3("heartbeat-timeout-ms -5"),
               At("invalid value '-5' for heartbeat-timeout-ms"));
    CHECK_THAT(errorAtLine3("worker-backoff 1h"),
               At("invalid value '1h' for worker-backoff"));
  }
}

TEST_CASE("Too many slots are refused", "[Config]") {
  CHECK(parse("worker a:1-65535\nworker b:1").Slots.size() == 65536);
  CHECK_THAT(parseError("worker a:1-65535\nworker b:1-2"),
             IsErrorAt("dist.conf:2", "too many slots"));
}

TEST_CASE("Errors quote the file's words escaped and cut", "[Config]") {
  // A binary file's bytes, a NUL among them, reach no terminal raw.
  const char Binary[] = "\177ELF\x02\0\x01\xff x\n";
  CHECK_THAT(parseError(llvm::StringRef(Binary, sizeof(Binary) - 1)),
             IsErrorAt("dist.conf:1",
                       "unknown setting '\\x7FELF\\x02\\x00\\x01\\xFF'"));
  CHECK_THAT(parseError("worker \"a\\b\"\n"),
             IsErrorAt("dist.conf:1", "worker '\\\"a\\\\b\\\"' has no port"));
  // A long word is cut to its first 80 bytes.
  std::string Long(300, 'k');
  CHECK(parseError(Long) ==
        "dist.conf:1: unknown setting '" + Long.substr(0, 80) + "...'");
  CHECK(parseError(std::string(80, 'k')) ==
        "dist.conf:1: unknown setting '" + std::string(80, 'k') + "'");
}

TEST_CASE("Lines are at most 4096 bytes long", "[Config]") {
  std::string Longest = "worker a:1 # " + std::string(4096 - 13, '.');
  REQUIRE(Longest.size() == 4096);
  CHECK(parse("\n" + Longest + "\n").Slots.size() == 1);
  // Comments too: every line is bounded, whatever it holds.
  CHECK_THAT(parseError("worker a:1\n" + Longest + ".\n"),
             IsErrorAt("dist.conf:2", "line is longer than 4096 bytes"));
  CHECK_THAT(parseError("worker a:1\n\n# " + std::string(10 << 20, 'x')),
             IsErrorAt("dist.conf:3", "line is longer than 4096 bytes"));
}

TEST_CASE("Host names are at most 253 bytes long", "[Config]") {
  std::string Longest(253, 'h');
  CHECK(parse("worker " + Longest + ":1").Slots == ports(Longest, 1, 1));
  CHECK(parse("worker [" + Longest + "]:1").Slots == ports(Longest, 1, 1));
  CHECK_THAT(parseError("\nworker " + Longest + "h:1"),
             IsErrorAt("dist.conf:2", "host name '" + std::string(80, 'h') +
                                          "...' is longer than 253 bytes"));
  CHECK_THAT(parseError("worker [" + Longest + "h]:1"),
             IsErrorAt("dist.conf:1", "is longer than 253 bytes"));
}

TEST_CASE("loadConfig", "[Config]") {
  TempDir Dir;

  SECTION("a missing file is an error naming it") {
    std::string Missing = Dir.file("missing.conf");
    CHECK_THAT(loadError(Missing),
               Contains("cannot read config file '" + Missing + "'"));
  }

  SECTION("only a regular file is read, and nothing waits for a FIFO") {
    std::string Fifo = Dir.file("fifo.conf");
    REQUIRE(::mkfifo(Fifo.c_str(), 0600) == 0);
    CHECK(loadError(Fifo) ==
          "cannot read config file '" + Fifo + "': not a regular file");
    CHECK(loadError(Dir.Path.str().str()) == "cannot read config file '" +
                                                 Dir.Path.str().str() +
                                                 "': not a regular file");
  }

  SECTION("a file larger than 1 MiB is refused") {
    std::string Line = std::string(4095, '#') + "\n";
    std::string Text;
    while (Text.size() < (1 << 20))
      Text += Line;
    REQUIRE(Text.size() == 1 << 20);
    std::string Path = Dir.file("big.conf");
    writeFile(Path, Text);
    CHECK(unwrap(loadConfig(Path)).Slots.empty());
    writeFile(Path, Text + "\n");
    CHECK(loadError(Path) ==
          "cannot read config file '" + Path + "': larger than 1 MiB");
  }

  SECTION("errors name the file as given") {
    std::string Path = Dir.file("bad.conf");
    writeFile(Path, "worker a:1\nnonsense 3\n");
    CHECK_THAT(loadError(Path),
               IsErrorAt(Path + ":2", "unknown setting 'nonsense'"));
  }

  SECTION("the real path is recorded") {
    std::string Real = Dir.file("real.conf");
    std::string Link = Dir.file("link.conf");
    writeFile(Real, "worker a:1\n");
    REQUIRE_FALSE(llvm::sys::fs::create_link("real.conf", Link));
    llvm::SmallString<128> Expected;
    REQUIRE_FALSE(llvm::sys::fs::real_path(Real, Expected));

    DistConfig Config = unwrap(loadConfig(Link));
    CHECK(llvm::sys::path::filename(Config.Path) == "real.conf");
    CHECK(Config.Path == Expected.str().str());
    CHECK(Config.Slots.size() == 1);

    // The same file by a path through "..".
    std::string Roundabout = Dir.file(
        "../" + llvm::sys::path::filename(Dir.Path).str() + "/link.conf");
    CHECK(unwrap(loadConfig(Roundabout)).Path == Expected.str().str());
  }
}

TEST_CASE("The distribution mode", "[Config]") {
  // The files themselves, by digest, unless the config says otherwise.
  CHECK(parse("").Mode == DistributionMode::Sources);
  CHECK(parse("worker a:1").Mode == DistributionMode::Sources);
  CHECK(parse("mode sources").Mode == DistributionMode::Sources);
  CHECK(parse("mode preprocessed").Mode == DistributionMode::Preprocessed);
  CHECK(parse("  mode\tpreprocessed   # for now\n").Mode ==
        DistributionMode::Preprocessed);
  // The last line wins, as for every setting: a test's own line after the
  // one a generated config starts with.
  CHECK(parse("mode preprocessed\nmode sources").Mode ==
        DistributionMode::Sources);
  CHECK(parse("mode sources\nmode preprocessed").Mode ==
        DistributionMode::Preprocessed);
}

TEST_CASE("A bad mode line names the line and the choices", "[Config]") {
  auto At3 = [](const std::string &Problem) {
    return IsErrorAt("dist.conf:3", Problem);
  };
  auto errorAtLine3 = [](llvm::StringRef Line) {
    return parseError(("worker a:1\n# mode\n" + Line + "\n").str());
  };
  const std::string Expected = "expected 'mode sources' or 'mode preprocessed'";
  CHECK_THAT(errorAtLine3("mode"), At3(Expected));
  CHECK_THAT(errorAtLine3("mode foo"), At3(Expected));
  CHECK_THAT(errorAtLine3("mode sources extra"), At3(Expected));
  CHECK_THAT(errorAtLine3("mode preprocessed sources"), At3(Expected));
  // Values are case-sensitive, like every other word of the file.
  CHECK_THAT(errorAtLine3("mode Sources"), At3(Expected));
  // A misspelt key is an unknown setting, not a bad mode.
  CHECK_THAT(errorAtLine3("modes sources"), At3("unknown setting 'modes'"));
}

TEST_CASE("Fallback warnings and the log's size", "[Config]") {
  CHECK_FALSE(parse("fallback-warnings off").FallbackWarnings);
  CHECK(parse("fallback-warnings off\nfallback-warnings on").FallbackWarnings);
  CHECK(parse("log-max-size 4096").LogMaxSize == 4096);
  const std::string Expected =
      "expected 'fallback-warnings on' or 'fallback-warnings off'";
  CHECK_THAT(parseError("fallback-warnings"),
             IsErrorAt("dist.conf:1", Expected));
  CHECK_THAT(parseError("fallback-warnings no"),
             IsErrorAt("dist.conf:1", Expected));
  CHECK_THAT(parseError("worker a:1\nlog-max-size 100"),
             IsErrorAt("dist.conf:2", "invalid value '100' for log-max-size "
                                      "(expected 4096-1073741824)"));
}

TEST_CASE("Where the server serves its metrics", "[Config]") {
  CHECK(parse("").MetricsHost.empty());
  DistConfig V4 = parse("metrics 127.0.0.1:9101");
  CHECK(V4.MetricsHost == "127.0.0.1");
  CHECK(V4.MetricsPort == 9101);
  DistConfig V6 = parse("metrics [::1]:9102");
  CHECK(V6.MetricsHost == "::1");
  CHECK(V6.MetricsPort == 9102);
  CHECK(parse("metrics 127.0.0.1:9101\nmetrics off").MetricsHost.empty());
  const std::string Expected =
      "expected 'metrics off' or 'metrics HOST:PORT' (a numeric address, an "
      "IPv6 one in brackets, and a port 1-65535)";
  for (const char *Bad :
       {"metrics", "metrics 9101", "metrics ::1:9101", "metrics 127.0.0.1:0",
        "metrics 127.0.0.1:70000", "metrics [127.0.0.1]:1", "metrics a:1 b:2"})
    CHECK_THAT(parseError(Bad), IsErrorAt("dist.conf:1", Expected));
}

TEST_CASE("The secret file", "[Config]") {
  CHECK(parse("").SecretPath.empty());
  CHECK(parse("secret farm.secret").SecretPath == "farm.secret");
  CHECK_THAT(parseError("secret\n"),
             IsErrorAt("dist.conf:1", "expected 'secret FILE'"));
  CHECK_THAT(parseError("secret a b\n"),
             IsErrorAt("dist.conf:1", "expected 'secret FILE'"));

  TempDir Dir;
  std::string Conf = Dir.file("dist.conf");
  writeFile(Conf, "secret farm.secret\n");
  SECTION("relative to the config's directory, and loaded") {
    writeFile(Dir.file("farm.secret"), "s3cret\n");
    REQUIRE(::chmod(Dir.file("farm.secret").c_str(), 0600) == 0);
    DistConfig Config = unwrap(loadConfig(Conf));
    llvm::SmallString<128> Expected;
    REQUIRE_FALSE(llvm::sys::fs::real_path(Dir.Path, Expected));
    llvm::sys::path::append(Expected, "farm.secret");
    CHECK(Config.SecretPath == Expected.str().str());
    CHECK(Config.Secret.has_value());
  }
  SECTION("a file others can read stops the config") {
    writeFile(Dir.file("farm.secret"), "s3cret\n");
    REQUIRE(::chmod(Dir.file("farm.secret").c_str(), 0644) == 0);
    CHECK_THAT(loadError(Conf),
               Contains(Conf + ": secret file '") &&
                   Contains("farm.secret' is accessible to others (mode 644)"));
  }
  SECTION("a missing file stops the config") {
    CHECK_THAT(loadError(Conf), Contains("cannot read secret file '"));
  }
}

TEST_CASE("TLS to workers on loopback too, with a secret only", "[Config]") {
  CHECK_FALSE(parse("").TlsOnLoopback);
  CHECK(parse("secret s\ntls always").TlsOnLoopback);
  CHECK_FALSE(parse("secret s\ntls always\ntls remote").TlsOnLoopback);
  CHECK_THAT(parseError("tls on"),
             IsErrorAt("dist.conf:1", "expected 'tls remote' or 'tls always'"));
  CHECK_THAT(parseError("worker a:1\ntls always"),
             IsErrorAt("dist.conf:2", "'tls always' needs a 'secret' line: the "
                                      "TLS key is derived from the secret"));
}

TEST_CASE("Share lines", "[Config]") {
  DistConfig Parsed = parse("share /opt/sdk\nshare ../common\n");
  CHECK(Parsed.SharedPaths ==
        std::vector<std::string>{"/opt/sdk", "../common"});
  CHECK(Parsed.ShareLines == std::vector<unsigned>{1, 2});
  CHECK(parse("").SharedPaths.empty());
  CHECK_THAT(parseError("share\n"),
             IsErrorAt("dist.conf:1", "expected 'share PATH'"));
  CHECK_THAT(parseError("share a b\n"),
             IsErrorAt("dist.conf:1", "expected 'share PATH'"));

  // Relative to the config's directory, without "." or "..".
  TempDir Dir;
  std::string Conf = Dir.file("dist.conf");
  writeFile(Conf, "share /opt/./sdk/\nshare ../common\nshare .\n");
  DistConfig Loaded = unwrap(loadConfig(Conf));
  llvm::SmallString<128> Real;
  REQUIRE_FALSE(llvm::sys::fs::real_path(Dir.Path, Real));
  CHECK(Loaded.SharedPaths ==
        std::vector<std::string>{
            "/opt/sdk", llvm::sys::path::parent_path(Real).str() + "/common",
            Real.str().str()});
}

TEST_CASE("Each setting records the line that set it last", "[Config]") {
  DistConfig Config = parse("# farm\n"
                            "worker a:1-2\n"
                            "idle-timeout 5\n"
                            "slave b:7\n"
                            "idle-timeout 9\n"
                            "slave-backoff 3\n");
  CHECK(Config.SlotLines == std::vector<unsigned>{2, 2, 4});
  CHECK(Config.SettingLines.at("idle-timeout") == 5);
  // By the key's current name.
  CHECK(Config.SettingLines.at("worker-backoff") == 6);
  CHECK(Config.SettingLines.count("slave-backoff") == 0);
  CHECK(Config.SettingLines.count("mode") == 0);
}

TEST_CASE("A config knows when its files change", "[Config]") {
  TempDir Dir;
  std::string Conf = Dir.file("dist.conf");
  writeFile(Conf, "worker a:1\nsecret farm.secret\n");
  writeFile(Dir.file("farm.secret"), "s3cret\n");
  REQUIRE(::chmod(Dir.file("farm.secret").c_str(), 0600) == 0);
  DistConfig Config = unwrap(loadConfig(Conf));
  REQUIRE(Config.ReadFrom.size() == 2);
  CHECK_FALSE(changedConfigFile(Config).has_value());

  SECTION("the config edited") {
    // Another size: two writes within one clock tick keep the mtime.
    writeFile(Conf, "worker bb:1\nsecret farm.secret\n");
    CHECK(changedConfigFile(Config) == Config.Path);
  }
  SECTION("the config replaced by a rename, as editors save") {
    writeFile(Dir.file("new.conf"), "worker a:1\nsecret farm.secret\n");
    REQUIRE_FALSE(llvm::sys::fs::rename(Dir.file("new.conf"), Conf));
    CHECK(changedConfigFile(Config) == Config.Path);
  }
  SECTION("the secret edited") {
    writeFile(Dir.file("farm.secret"), "another secret\n");
    CHECK(changedConfigFile(Config) == Config.SecretPath);
  }
  SECTION("the config removed") {
    REQUIRE_FALSE(llvm::sys::fs::remove(Conf));
    CHECK(changedConfigFile(Config) == Config.Path);
  }
  SECTION("the built-in default has no file") {
    CHECK_FALSE(changedConfigFile(DistConfig()).has_value());
  }
}
