//===- clang-dist/ClangDist.cpp - The distributed clang driver ------------===//
//
// clang-dist [--distributed FILE] <clang arguments>
//
// The same binary is the local server when its client starts it as
// `clang-dist --dist-local-server CONFIG READY_FD`.
//
//===----------------------------------------------------------------------===//

#include "Config/Config.h"
#include "Config/RuntimeDir.h"
#include "Driver/DistDriver.h"
#include "LocalServer/LocalServer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang::dist;

static int serverError(llvm::Error E) {
  llvm::errs() << "clang-dist local server: " << llvm::toString(std::move(E))
               << "\n";
  return 1;
}

static int localServerMain(llvm::ArrayRef<const char *> Argv) {
  int ReadyFd;
  if (Argv.size() != 4 || llvm::StringRef(Argv[3]).getAsInteger(10, ReadyFd))
    return serverError(llvm::createStringError(
        llvm::inconvertibleErrorCode(), "usage: clang-dist "
                                        "--dist-local-server CONFIG READY_FD"));
  LocalServerOptions Options;
  Options.ReadyFd = ReadyFd;
  if (llvm::StringRef ConfigPath = Argv[2]; !ConfigPath.empty()) {
    llvm::Expected<DistConfig> Config = loadConfig(ConfigPath);
    if (!Config)
      return serverError(Config.takeError());
    Options.Config = std::move(*Config);
  }
  llvm::Expected<std::string> Dir = openRuntimeDir();
  if (!Dir)
    return serverError(Dir.takeError());
  llvm::Expected<ServerPaths> Paths = serverPaths(*Dir, Options.Config.Path);
  if (!Paths)
    return serverError(Paths.takeError());
  Options.Paths = std::move(*Paths);
  Options.Executable = llvm::sys::fs::getMainExecutable(
      Argv[0], reinterpret_cast<void *>(&localServerMain));
  llvm::SmallString<256> Slave(
      llvm::sys::path::parent_path(Options.Executable));
  llvm::sys::path::append(Slave, "clangd-slave");
  Options.SlaveExecutable = std::string(Slave);
  return runLocalServer(Options);
}

int main(int Argc, const char **Argv) {
  llvm::InitLLVM X(Argc, Argv);
  llvm::ArrayRef<const char *> Args(Argv, Argc);
  if (Argc >= 2 && llvm::StringRef(Argv[1]) == "--dist-local-server")
    return localServerMain(Args);
  return runDistDriver(Args);
}
