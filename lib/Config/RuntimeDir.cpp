//===- Config/RuntimeDir.cpp - Where a local server lives -----------------===//

#include "Config/RuntimeDir.h"
#include "Support/PrivateDirectory.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"
#include <cstdlib>
#include <sys/un.h>
#include <unistd.h>

using namespace clang::dist;

llvm::Expected<std::string> clang::dist::openRuntimeDir() {
  std::string Dir;
  if (const char *Env = std::getenv("CLANG_DIST_RUNTIME_DIR"); Env && *Env)
    Dir = Env;
  else
    Dir = llvm::formatv("/tmp/clang-dist-{0}", ::getuid()).str();

  if (llvm::Error E = openPrivateDirectory(Dir, "runtime directory"))
    return E;
  return Dir;
}

std::string clang::dist::configHash(llvm::StringRef ConfigPath) {
  // The default config is named by a string no real path can be.
  llvm::StringRef Key =
      ConfigPath.empty() ? llvm::StringRef("\0default", 8) : ConfigPath;
  return llvm::formatv("{0:x-16}", llvm::xxHash64(Key)).str();
}

llvm::Expected<ServerPaths>
clang::dist::serverPaths(llvm::StringRef RuntimeDir,
                         llvm::StringRef ConfigPath) {
  std::string Base = (RuntimeDir + "/server-" + configHash(ConfigPath)).str();
  ServerPaths P{Base + ".sock", Base + ".lock", Base + ".start", Base + ".log",
               Base + ".secret", Base + ".backoff"};
  P.Stats = Base + ".stats";
  P.ClientFallbacks = Base + ".fallbacks";
  if (P.Socket.size() >= sizeof(sockaddr_un::sun_path))
    return llvm::createStringError(llvm::errc::filename_too_long,
                                   "socket path '%s' is longer than %zu bytes; "
                                   "set CLANG_DIST_RUNTIME_DIR to a shorter "
                                   "directory",
                                   P.Socket.c_str(),
                                   sizeof(sockaddr_un::sun_path) - 1);
  return P;
}
