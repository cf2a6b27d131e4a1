//===- clang-dist-worker/ClangDistWorker.cpp - A build farm's compiler ----===//
//
// clang-dist-worker [--cores N] [--port P] [--bind ADDR] [--cache-dir DIR]
//              [--cache-size BYTES] [--secret FILE] [--local-files]
//              [--log-file FILE] [--log-level LEVEL] [--metrics HOST:PORT]
//              [--registry redis://HOST[:PORT][/DB]]
//              [--registry-password FILE] [--advertise HOST]
//
// Runs N compile slots on ports P..P+N-1 (P = 0: ports chosen by the system),
// one process each, sharing one blob cache. Options are parsed by hand, not
// with llvm::cl: jobs set -mllvm options through llvm::cl's global registry,
// which must hold nothing of ours.
//
//===----------------------------------------------------------------------===//

#include "Protocol/Messages.h"
#include "Protocol/SharedSecret.h"
#include "Protocol/Version.h"
#include "Support/PrivateFile.h"
#include "Worker/Supervisor.h"
#include "clang/Basic/Version.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <csignal>
#include <thread>
#include <unistd.h>

using namespace clang::dist;

static const char Usage[] =
    "usage: clang-dist-worker [--cores N] [--port PORT] [--bind ADDRESS]\n"
    "                    [--cache-dir DIR] [--cache-size BYTES] [--secret "
    "FILE]\n"
    "                    [--local-files] [--log-file FILE] [--log-level "
    "LEVEL]\n"
    "                    [--metrics HOST:PORT] [--registry URL]\n"
    "                    [--registry-password FILE] [--advertise HOST]\n"
    "  --cores N        compile slots, one process each (default: one per "
    "core)\n"
    "  --port PORT      first port; slot I listens on PORT+I; 0 lets the\n"
    "                   system choose (default: 63000)\n"
    "  --bind ADDRESS   IPv4 or IPv6 address to listen on (default: "
    "127.0.0.1;\n"
    "                   use 0.0.0.0 to serve other machines)\n"
    "  --cache-dir DIR  where file contents are cached (default:\n"
    "                   $TMPDIR/clang-dist-worker-<uid>)\n"
    "  --cache-size N   cache limit in bytes; suffixes K, M, G (default: 1G)\n"
    "  --secret FILE    serve only peers that prove this secret (the file "
    "must\n"
    "                   be mode 0600); required unless ADDRESS is loopback\n"
    "  --local-files    also compile jobs that name files on this machine's\n"
    "                   disk instead of carrying them (a local server's own\n"
    "                   worker); needs --secret and a loopback ADDRESS\n"
    "  --log-file FILE  append the log to FILE, renamed to FILE.1 past 10M\n"
    "                   (default: stderr, the journal under systemd)\n"
    "  --log-level LEVEL\n"
    "                   error, warning or info (default: info, a line for\n"
    "                   each peer, job and slot restart)\n"
    "  --metrics HOST:PORT  serve Prometheus metrics over HTTP at\n"
    "                   http://HOST:PORT/metrics (HOST an IPv4 or [IPv6]\n"
    "                   address; PORT 0 lets the system choose)\n"
    "  --registry redis://HOST[:PORT][/DB]\n"
    "                   keep this worker's entry in the farm's registry, so\n"
    "                   that servers with 'farm' in their config find it\n"
    "  --registry-password FILE\n"
    "                   the registry's password (Redis's AUTH), read from\n"
    "                   FILE (mode 0600), not from the command line, which\n"
    "                   every user of the machine can read\n"
    "  --advertise HOST the address servers connect to, in the registry\n"
    "                   (default: the --bind address; required when that is\n"
    "                   0.0.0.0 or ::)\n";

/// "512M", "2G", "1048576"; 0 on error.
static uint64_t parseSize(llvm::StringRef Text) {
  uint64_t Scale = 1;
  if (Text.consume_back("K"))
    Scale = 1ull << 10;
  else if (Text.consume_back("M"))
    Scale = 1ull << 20;
  else if (Text.consume_back("G"))
    Scale = 1ull << 30;
  uint64_t N;
  if (Text.getAsInteger(10, N) || N == 0 || N > (1ull << 50) / Scale)
    return 0;
  return N * Scale;
}

/// "127.0.0.1:9100", "[::1]:9100"; false if \p Text is neither.
static bool parseHostPort(llvm::StringRef Text, std::string &Host,
                          uint16_t &Port) {
  auto [H, P] = Text.rsplit(':');
  if (H.consume_front("[") && !H.consume_back("]"))
    return false;
  if (H.empty() || H.contains('[') || H.contains(']') ||
      P.getAsInteger(10, Port))
    return false;
  Host = H.str();
  return true;
}

static bool isLoopback(llvm::StringRef Address) {
  return Address.startswith("127.") || Address == "::1" ||
         Address == "localhost";
}

/// stderr, or \p File if named: appended to, and rotated as the local server's
/// log is by default (dist.conf's log_max_size). Once the worker serves, its
/// stderr is that file too (runSupervisor).
static llvm::Expected<Logger> openLog(const std::string &File) {
  if (File.empty()) {
    Logger Log;
    Log.setComponent("clang-dist-worker");
    return Log;
  }
  llvm::Expected<Logger> Log = Logger::openFile(File, "clang-dist-worker");
  if (Log)
    Log->rotateAt(10u << 20, /*AndStderr=*/true);
  return Log;
}

static int usageError(const llvm::Twine &Problem) {
  reportError("clang-dist-worker", Problem);
  llvm::errs() << Usage;
  return 2;
}

int main(int Argc, char **Argv) {
  // A slot that crashes prints a stack trace into the worker's log, with
  // addresses only: symbolizing them would start llvm-symbolizer, and a worker
  // starts no program, whatever a job does to it.
  ::setenv("LLVM_DISABLE_SYMBOLIZATION", "1", /*overwrite=*/1);
  llvm::InitLLVM X(Argc, Argv);
  std::signal(SIGPIPE, SIG_IGN);
  SupervisorOptions Options;
  Options.Slots = std::max(1u, std::thread::hardware_concurrency());
  std::string LogFile;
  std::string Advertise;
  std::optional<std::string> RegistryPassword;
  LogLevel Least = LogLevel::Info;
  for (int I = 1; I < Argc; ++I) {
    llvm::StringRef Arg = Argv[I];
    if (Arg == "--help" || Arg == "-h") {
      llvm::outs() << Usage;
      return 0;
    }
    if (Arg == "--version") {
      // The facts clang-dist --version prints: a client and a worker work
      // together if their protocol and clang versions match.
      llvm::outs() << versionLine("clang-dist-worker") << "\n"
                   << clang::getClangFullVersion() << "\n";
      return 0;
    }
    if (Arg == "--local-files") {
      Options.EachSlot.LocalFiles = true;
      continue;
    }
    auto [Name, Inline] = Arg.split('=');
    llvm::StringRef Value = Inline;
    if (Name != "--cores" && Name != "--port" && Name != "--bind" &&
        Name != "--cache-dir" && Name != "--cache-size" && Name != "--secret" &&
        Name != "--log-file" && Name != "--log-level" && Name != "--metrics" &&
        Name != "--registry" && Name != "--registry-password" &&
        Name != "--advertise")
      return usageError("unknown option '" + Arg + "'");
    if (!Arg.contains('=')) {
      if (I + 1 == Argc)
        return usageError("option '" + Name + "' needs a value");
      Value = Argv[++I];
    }
    unsigned N;
    if (Name == "--cores") {
      if (Value.getAsInteger(10, N) || N == 0 || N > 1024)
        return usageError("invalid --cores '" + Value + "' (expected 1-1024)");
      Options.Slots = N;
    } else if (Name == "--port") {
      if (Value.getAsInteger(10, N) || N > 65535)
        return usageError("invalid --port '" + Value + "' (expected 0-65535)");
      Options.FirstPort = N;
    } else if (Name == "--cache-size") {
      Options.EachSlot.CacheLimit = parseSize(Value);
      if (!Options.EachSlot.CacheLimit)
        return usageError("invalid --cache-size '" + Value +
                          "' (expected a byte count, with K, M or G)");
    } else if (Name == "--secret") {
      auto Secret = SharedSecret::load(Value);
      if (!Secret) {
        reportError("clang-dist-worker", llvm::toString(Secret.takeError()));
        return 1;
      }
      Options.EachSlot.Secret = std::move(*Secret);
    } else if (Name == "--metrics") {
      if (!parseHostPort(Value, Options.MetricsAddress, Options.MetricsPort))
        return usageError("invalid --metrics '" + Value +
                          "' (expected HOST:PORT, such as 127.0.0.1:9100)");
    } else if (Name == "--registry") {
      llvm::Expected<RedisAddress> Registry = RedisAddress::parse(Value);
      // The error names the URL as far as it may be shown: not a password.
      if (!Registry)
        return usageError("invalid --registry: " +
                          llvm::toString(Registry.takeError()));
      Options.Registration.emplace();
      Options.Registration->Registry = std::move(*Registry);
    } else if (Name == "--registry-password") {
      llvm::Expected<std::string> Password =
          readPrivateFile(Value, "registry password file");
      if (!Password) {
        reportError("clang-dist-worker", llvm::toString(Password.takeError()));
        return 1;
      }
      RegistryPassword = std::move(*Password);
    } else if (Name == "--advertise") {
      Advertise = Value.str();
    } else if (Name == "--cache-dir") {
      Options.EachSlot.CacheDir = Value.str();
    } else if (Name == "--log-file") {
      LogFile = Value.str();
    } else if (Name == "--log-level") {
      std::optional<LogLevel> Level = parseLogLevel(Value);
      if (!Level)
        return usageError("invalid --log-level '" + Value +
                          "' (expected error, warning or info)");
      Least = *Level;
    } else {
      Options.BindAddress = Value.str();
    }
  }
  // A worker compiles what it is sent: on an address others can reach, only
  // for those who know the secret.
  if (!Options.EachSlot.Secret && !isLoopback(Options.BindAddress))
    return usageError("listening on '" + Options.BindAddress +
                      "' needs --secret FILE: without it anyone who can "
                      "connect could use this machine");
  // It reads any of the user's files on request: for their own server only.
  if (Options.EachSlot.LocalFiles &&
      (!Options.EachSlot.Secret || !isLoopback(Options.BindAddress)))
    return usageError("--local-files needs --secret FILE and a loopback "
                      "--bind address: it lets peers read this machine's "
                      "files");
  if (RegistryPassword) {
    if (!Options.Registration)
      return usageError("--registry-password needs --registry");
    if (!Options.Registration->Registry.Password.empty())
      return usageError("--registry-password with a password in the "
                        "--registry URL: give it once, in the file");
    Options.Registration->Registry.Password = std::move(*RegistryPassword);
  }
  if (Options.Registration) {
    if (Options.EachSlot.LocalFiles)
      return usageError("--registry and --local-files exclude each other: a "
                        "worker that reads this machine's files is its "
                        "server's alone");
    bool Wildcard = Options.BindAddress == "0.0.0.0" ||
                    Options.BindAddress == "::" ||
                    Options.BindAddress == "[::]";
    if (Advertise.empty() && Wildcard)
      return usageError("--registry with --bind " + Options.BindAddress +
                        " needs --advertise HOST: the address servers "
                        "should connect to");
    FarmEntry &Entry = Options.Registration->Entry;
    Entry.Host = Advertise.empty() ? Options.BindAddress : Advertise;
    Entry.ClangVersion = clang::getClangFullVersion();
    Entry.Protocol = ProtocolVersion;
    Entry.ClangDistVersion = clangDistVersion().str();
    Entry.Secret = Options.EachSlot.Secret.has_value();
    Entry.Ports = {1};
    // Servers would skip an entry they cannot read: refuse it here instead.
    if (llvm::Expected<FarmEntry> Read = parseFarmEntry(formatFarmEntry(Entry));
        !Read)
      return usageError("invalid --advertise '" + Entry.Host +
                        "': " + llvm::toString(Read.takeError()));
    Entry.Ports.clear();
  } else if (!Advertise.empty()) {
    return usageError("--advertise needs --registry");
  }
  if (Options.EachSlot.CacheDir.empty()) {
    llvm::SmallString<128> Dir;
    llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, Dir);
    llvm::sys::path::append(Dir,
                            "clang-dist-worker-" + llvm::Twine(::getuid()));
    Options.EachSlot.CacheDir = std::string(Dir);
  }
  if (Options.FirstPort != 0 && Options.FirstPort + Options.Slots - 1 > 65535)
    return usageError("--port plus --cores runs past port 65535");

  llvm::Expected<Logger> Log = openLog(LogFile);
  if (!Log) {
    reportError("clang-dist-worker", llvm::toString(Log.takeError()));
    return 1;
  }
  Log->setLevel(Least);
  return runSupervisor(Options, *Log);
}
