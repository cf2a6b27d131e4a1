//===- Driver/DistDriver.cpp - clang's driver, with compiles distributed --===//
//
// Follows clang's tools/driver/driver.cpp step by step (response files,
// driver mode from the program name, installed dir, crash diagnostics), so
// that everything but the compile jobs behaves as clang-16 itself.
//
//===----------------------------------------------------------------------===//

#include "Driver/DistDriver.h"
#include "Config/Config.h"
#include "Config/ProgramPlaces.h"
#include "Config/RuntimeDir.h"
#include "Driver/ClearCache.h"
#include "Driver/ClientCommandLine.h"
#include "Driver/ClientOptions.h"
#include "Driver/DistributedCommand.h"
#include "Driver/Launcher.h"
#include "Driver/LocalCC1.h"
#include "Driver/Monitor.h"
#include "Driver/ShowConfig.h"
#include "Driver/StatsCommand.h"
#include "Driver/StopServer.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Driver/Compilation.h"
#include "clang/Driver/Driver.h"
#include "clang/Driver/Options.h"
#include "clang/Driver/ToolChain.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "clang/Frontend/Utils.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Host.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/StringSaver.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang;
using namespace clang::dist;

namespace {

/// The clang-16 whose jobs we run: the resource directory and every local
/// job come from it, so that our output is its output.
constexpr const char *RealClang = CLANG_DIST_REAL_CLANG;

/// clang's driver sets the installed dir to where its argv[0] was found
/// (/usr/bin for clang-16 or clang++-16 on PATH); the GCC installation and so
/// the include paths are searched relative to it. We mirror the clang program
/// of our own driver mode.
std::string clangInstalledDir(bool CXXMode) {
  llvm::ErrorOr<std::string> OnPath = llvm::sys::findProgramByName(
      CXXMode ? CLANG_DIST_CLANGXX_NAME : CLANG_DIST_CLANG_NAME);
  llvm::SmallString<256> Path(OnPath ? *OnPath : RealClang);
  llvm::sys::fs::make_absolute(Path);
  return std::string(llvm::sys::path::parent_path(Path));
}

/// The config (its Path empty for the built-in default), after checking
/// that it parses: a bad config is the user's error, like a bad flag.
llvm::Expected<DistConfig> resolveConfig(llvm::StringRef ConfigPath) {
  if (ConfigPath.empty())
    return DistConfig();
  return loadConfig(ConfigPath);
}

/// Where this config's server lives; an error means "compile locally".
llvm::Expected<ServerTarget> serverTarget(const DistConfig &Config,
                                          const char *Argv0) {
  const std::string &ConfigPath = Config.Path;
  llvm::Expected<std::string> Dir = openRuntimeDir();
  if (!Dir)
    return Dir.takeError();
  llvm::Expected<ServerPaths> Paths = serverPaths(*Dir, ConfigPath);
  if (!Paths)
    return Paths.takeError();
  // The real path (/proc/self/exe), whatever symlink the build ran.
  std::string Self = llvm::sys::fs::getMainExecutable(
      Argv0, reinterpret_cast<void *>(&runDistDriver));
  return ServerTarget{ConfigPath, std::move(*Paths), serverProgramPlaces(Self),
                      Config.FallbackWarnings};
}

/// Swaps each compile job for one that the local server runs, and submits
/// them all before the driver executes anything.
void distributeCompileJobs(driver::Compilation &C, const ServerTarget &Target) {
  std::vector<DistributedCommand *> Submitted;
  // JobList only hands out its list as const; the list itself is not const
  // (the compilation owns it), so replacing an element through it is sound.
  for (const std::unique_ptr<driver::Command> &Entry : C.getJobs().getJobs()) {
    auto &Job = const_cast<std::unique_ptr<driver::Command> &>(Entry);
    const driver::CC1Command *Candidate = DistributedCommand::asCandidate(*Job);
    if (!Candidate)
      continue;
    auto Distributed = std::make_unique<DistributedCommand>(*Candidate, Target);
    Submitted.push_back(Distributed.get());
    Job = std::move(Distributed);
  }
  for (DistributedCommand *D : Submitted)
    D->submit();
}

/// Runs the command \p Options name (the stats commands, --show-config,
/// --monitor, --stop-server, --clear-cache) instead of a compile, and returns
/// its exit code; none named: std::nullopt.
std::optional<int> runCommand(const ClientOptions &Options,
                              llvm::ArrayRef<const char *> Args,
                              const DistConfig &Config) {
  bool Stats = isStatsCommand(Options);
  bool Monitor = Options.has(ClientOption::Monitor);
  bool Stop = Options.has(ClientOption::StopServer);
  bool Show = Options.has(ClientOption::ShowConfig);
  bool Clear = Options.has(ClientOption::ClearCache);
  auto Fail = [](const llvm::Twine &Message) {
    return reportClientError(
        llvm::createStringError(llvm::inconvertibleErrorCode(), Message));
  };
  if (Options.has(ClientOption::Once) && !Monitor)
    return Fail("'--once' goes with '--monitor'");
  if (Options.has(ClientOption::Format) &&
      !Options.has(ClientOption::PrintStats))
    return Fail("'--format' goes with '--print-stats'");
  if (Stats + Monitor + Stop + Show + Clear == 0)
    return std::nullopt;
  if (Stats + Monitor + Stop + Show + Clear > 1)
    return Fail("give one of '--monitor', '--stop-server', '--show-config', "
                "'--clear-cache' and the stats commands");
  if (Args.size() > 1)
    return Fail(llvm::Twine("unexpected argument '") + Args[1] +
                "' (the command takes none but '--distributed')");
  if (Show)
    return showConfig(Config);
  if (Clear)
    return clearCache(Config);
  llvm::Expected<ServerTarget> Target = serverTarget(Config, Args[0]);
  if (!Target)
    return reportClientError(Target.takeError());
  if (Stats)
    return runStatsCommand(Options, *Target);
  return Monitor ? runMonitor(*Target, Options.has(ClientOption::Once))
                 : stopServer(*Target);
}

} // namespace

int clang::dist::runDistDriver(llvm::ArrayRef<const char *> Argv) {
  llvm::BumpPtrAllocator Alloc;
  llvm::StringSaver Saver(Alloc);
  llvm::SmallVector<const char *, 256> Args(Argv.begin(), Argv.end());

  // Before response files: another compiler gets its arguments as written.
  if (std::optional<LaunchedCompiler> Compiler =
          findLaunchedCompiler(Args, RealClang)) {
    if (!Compiler->IsEmbeddedClang)
      return reportClientError(execCompiler(*Compiler, Args));
    // Our clang-16 by another name: clang-dist as that name, as a symlink
    // named so would be (clang++-16 is C++).
    Args[0] = Args[Compiler->Index];
    Args.erase(Args.begin() + Compiler->Index);
  }

  llvm::cl::ExpansionContext ECtx(Alloc, llvm::cl::TokenizeGNUCommandLine);
  if (llvm::Error E = ECtx.expandResponseFiles(Args))
    return reportClientError(std::move(E));

  llvm::Expected<ClientOptions> Options = takeClientOptions(Args);
  if (!Options)
    return reportClientError(Options.takeError());
  llvm::Expected<OwnOutput> Own = ownOutput(Args);
  if (!Own)
    return reportClientError(Own.takeError());
  if (*Own == OwnOutput::HelpFirst)
    printClientHelp(llvm::outs());
  // --help and --version run nothing, whatever the config: one that does
  // not parse gets in nobody's way there.
  llvm::Expected<DistConfig> Config = *Own == OwnOutput::None
                                          ? resolveConfig(Options->configPath())
                                          : DistConfig();
  if (!Config)
    return reportClientError(Config.takeError());
  if (std::optional<int> Done = runCommand(*Options, Args, *Config))
    return *Done;

  llvm::IntrusiveRefCntPtr<DiagnosticOptions> DiagOpts =
      CreateAndPopulateDiagOpts(Args);
  auto *DiagClient = new TextDiagnosticPrinter(llvm::errs(), &*DiagOpts);
  // clang names itself after its real executable ("clang: error: ..."), not
  // after the name it was called by.
  DiagClient->setPrefix(llvm::sys::path::stem(RealClang).str());
  DiagnosticsEngine Diags(new DiagnosticIDs(), &*DiagOpts, DiagClient);
  ProcessWarningOptions(Diags, *DiagOpts, /*ReportDiags=*/false);

  driver::Driver TheDriver(RealClang, llvm::sys::getDefaultTargetTriple(),
                           Diags);
  TheDriver.CC1Main = &runCC1;
  driver::ParsedClangName TargetAndMode =
      driver::ToolChain::getTargetAndModeFromProgramName(Args[0]);
  TheDriver.setTargetAndMode(TargetAndMode);
  // As clang does: the mode and target the program name implies come first,
  // so that explicit arguments override them.
  size_t InsertAt = 1;
  if (TargetAndMode.DriverMode)
    Args.insert(Args.begin() + InsertAt++, TargetAndMode.DriverMode);
  if (TargetAndMode.TargetIsValid) {
    Args.insert(Args.begin() + InsertAt++, "-target");
    Args.insert(Args.begin() + InsertAt,
                Saver.save(TargetAndMode.TargetPrefix).data());
  }
  TheDriver.setInstalledDir(clangInstalledDir(
      driver::getDriverMode(Args[0], llvm::ArrayRef(Args).slice(1)) == "g++"));

  std::unique_ptr<driver::Compilation> C(TheDriver.BuildCompilation(Args));
  if (*Own != OwnOutput::None) {
    // clang has answered, and there is nothing to run: no server either.
    if (C && *Own == OwnOutput::VersionAfter)
      printClientVersion(llvm::outs());
    Diags.getClient()->finish();
    return C && !C->containsError() ? 0 : 1;
  }
  int Res = 1;
  if (C && !C->containsError()) {
    // Outlives the compilation's jobs, which refer to it.
    llvm::Expected<ServerTarget> Target = serverTarget(*Config, Args[0]);
    // Nothing may run for -### (it only prints the jobs) or after an error
    // of the driver's own: ExecuteCompilation stops before any job then.
    if (C->getArgs().hasArg(driver::options::OPT__HASH_HASH_HASH) ||
        Diags.hasErrorOccurred())
      llvm::consumeError(Target.takeError());
    else if (Target)
      distributeCompileJobs(*C, *Target);
    // No server to count or limit it (the runtime directory is refused): a
    // warning for each invocation that had a compile to distribute.
    else if (Config->FallbackWarnings &&
             llvm::any_of(C->getJobs(), [](const driver::Command &J) {
               return DistributedCommand::asCandidate(J);
             }))
      llvm::errs() << "clang-dist: warning: compiled locally: "
                   << llvm::toString(Target.takeError()) << '\n';
    else
      llvm::consumeError(Target.takeError());

    llvm::SmallVector<std::pair<int, const driver::Command *>, 4> Failing;
    Res = TheDriver.ExecuteCompilation(*C, Failing);
    for (const auto &[CommandRes, FailingCommand] : Failing) {
      if (!Res)
        Res = CommandRes;
      // As clang's driver: a signal (negative, or 128 + signal from an
      // in-process job) or EX_SOFTWARE (70) is a crash, which gets crash
      // diagnostics and exit code 1.
      if (CommandRes < 0 || CommandRes == 70 || CommandRes > 128) {
        TheDriver.generateCompilationDiagnostics(*C, *FailingCommand);
        Res = 1;
        break;
      }
    }
  }
  Diags.getClient()->finish();
  return Res;
}
