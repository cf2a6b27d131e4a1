//===- Config/RuntimeDir.cpp - Where a local server lives -----------------===//

#include "Config/RuntimeDir.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace clang::dist;

llvm::Expected<std::string> clang::dist::openRuntimeDir() {
  std::string Dir;
  if (const char *Env = std::getenv("CLANG_DIST_RUNTIME_DIR"); Env && *Env)
    Dir = Env;
  else
    Dir = llvm::formatv("/tmp/clang-dist-{0}", ::getuid()).str();

  if (::mkdir(Dir.c_str(), 0700) != 0 && errno != EEXIST)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "cannot create runtime directory '%s': %s", Dir.c_str(),
        std::strerror(errno));
  struct stat St;
  // lstat: a symlink planted under /tmp must not redirect us.
  if (::lstat(Dir.c_str(), &St) != 0)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "cannot stat runtime directory '%s': %s", Dir.c_str(),
        std::strerror(errno));
  if (!S_ISDIR(St.st_mode))
    return llvm::createStringError(llvm::errc::not_a_directory,
                                   "runtime directory '%s' is not a directory",
                                   Dir.c_str());
  if (St.st_uid != ::getuid())
    return llvm::createStringError(llvm::errc::permission_denied,
                                   "runtime directory '%s' is owned by uid %u, "
                                   "not by you (uid %u)",
                                   Dir.c_str(), St.st_uid, ::getuid());
  if (St.st_mode & (S_IWGRP | S_IWOTH))
    return llvm::createStringError(llvm::errc::permission_denied,
                                   "runtime directory '%s' is writable by "
                                   "others (mode %o)",
                                   Dir.c_str(), St.st_mode & 07777);
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
  ServerPaths P{Base + ".sock", Base + ".lock", Base + ".start", Base + ".log"};
  if (P.Socket.size() >= sizeof(sockaddr_un::sun_path))
    return llvm::createStringError(llvm::errc::filename_too_long,
                                   "socket path '%s' is longer than %zu bytes; "
                                   "set CLANG_DIST_RUNTIME_DIR to a shorter "
                                   "directory",
                                   P.Socket.c_str(),
                                   sizeof(sockaddr_un::sun_path) - 1);
  return P;
}
