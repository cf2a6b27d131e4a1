//===- clang-dist-server/ClangDistServer.cpp - The local server -----------===//
//
// clang-dist-server CONFIG READY_FD
//
// Started by the first clang-dist of a build that finds no server for CONFIG
// (an empty CONFIG is the built-in default); writes "ready" to READY_FD once
// it listens, or "error: " and why it cannot. lib/LocalServer is the server.
//
//===----------------------------------------------------------------------===//

#include "Config/Config.h"
#include "Config/ProgramPlaces.h"
#include "Config/RuntimeDir.h"
#include "LocalServer/LocalServer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"
#include <malloc.h>

using namespace clang::dist;

int main(int Argc, const char **Argv) {
  llvm::InitLLVM X(Argc, Argv);
  // The server handles buffers of an object's size all day (results, cache
  // entries, files): glibc would map each anew and return it to the system
  // when freed, and every page of every one would fault again, a tenth of a
  // result cache hit's CPU. Freed memory is kept for the next one instead.
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 128 << 20);
  int ReadyFd = -1;
  auto Fail = [&](llvm::Error E) {
    std::string Why = llvm::toString(std::move(E));
    reportStartFailure(ReadyFd, Why);
    llvm::errs() << "clang-dist-server: " << Why << "\n";
    return 1;
  };
  if (Argc != 3 || llvm::StringRef(Argv[2]).getAsInteger(10, ReadyFd))
    return Fail(llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "usage: clang-dist-server CONFIG READY_FD (clang-dist starts it)"));
  LocalServerOptions Options;
  Options.ReadyFd = ReadyFd;
  if (llvm::StringRef ConfigPath = Argv[1]; !ConfigPath.empty()) {
    llvm::Expected<DistConfig> Config = loadConfig(ConfigPath);
    if (!Config)
      return Fail(Config.takeError());
    Options.Config = std::move(*Config);
  }
  llvm::Expected<std::string> Dir = openRuntimeDir();
  if (!Dir)
    return Fail(Dir.takeError());
  llvm::Expected<ServerPaths> Paths = serverPaths(*Dir, Options.Config.Path);
  if (!Paths)
    return Fail(Paths.takeError());
  Options.Paths = std::move(*Paths);
  Options.Executable = llvm::sys::fs::getMainExecutable(
      Argv[0], reinterpret_cast<void *>(&reportStartFailure));
  Options.WorkerPlaces = workerProgramPlaces(Options.Executable);
  return runLocalServer(Options);
}
