//===- LocalServer/LocalSlaves.h - Slaves on this machine -------*- C++ -*-===//
//
// With no slaves configured, the server starts a clangd-slave of its own on
// loopback, with ports chosen by the system, so the same command works on a
// laptop and on a farm. It shares the client's file system, so its jobs carry
// no files (--local-files): nothing is scanned, shipped or cached, and what a
// slot compiles is what clang would read. Because such a slave reads any file
// of the user's, it serves only peers that prove a secret the server makes
// for it. The slaves die with the server (SIGTERM from its destructor,
// PR_SET_PDEATHSIG if the server is killed).
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_LOCALSLAVES_H
#define CLANG_DIST_LOCALSERVER_LOCALSLAVES_H

#include "Config/Config.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <sys/types.h>

namespace clang::dist {

class LocalSlaves {
public:
  /// Starts \p Executable with \p Slots slots that read local files and
  /// require the secret in \p SecretPath, and waits until every slot
  /// listens. Its diagnostics go to \p LogFd.
  static llvm::Expected<std::unique_ptr<LocalSlaves>>
  start(llvm::StringRef Executable, unsigned Slots, llvm::StringRef SecretPath,
        int LogFd);
  ~LocalSlaves();

  const std::vector<SlaveEndpoint> &endpoints() const { return Endpoints; }

private:
  LocalSlaves(pid_t Pid) : Pid(Pid) {}
  pid_t Pid;
  std::vector<SlaveEndpoint> Endpoints;
};

} // namespace clang::dist

#endif
