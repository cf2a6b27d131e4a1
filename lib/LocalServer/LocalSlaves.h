//===- LocalServer/LocalSlaves.h - Slaves on this machine -------*- C++ -*-===//
//
// With no slaves configured, the server starts a clangd-slave of its own on
// loopback, with ports chosen by the system, so the same command works on a
// laptop and on a farm. The slaves die with the server (SIGTERM from its
// destructor, PR_SET_PDEATHSIG if the server is killed).
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
  /// Starts \p Executable with \p Slots slots, requiring the secret in
  /// \p SecretPath if not empty, and waits until every slot listens. Its
  /// diagnostics go to \p LogFd.
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
