//===- LocalServer/LocalWorker.h - The worker on this machine ---*- C++ -*-===//
//
// With no workers configured, the server starts a clang-dist-worker of its
// own on loopback, with ports chosen by the system, so the same command works
// on a laptop and on a farm. It shares the client's file system, so its jobs
// carry no files (--local-files): nothing is scanned, shipped or cached, and
// what a slot compiles is what clang would read. Because such a worker reads
// any file of the user's, it serves only peers that prove a secret the server
// makes for it. The worker dies with the server (SIGTERM from its destructor,
// PR_SET_PDEATHSIG if the server is killed).
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_LOCALWORKER_H
#define CLANG_DIST_LOCALSERVER_LOCALWORKER_H

#include "Config/Config.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <sys/types.h>

namespace clang::dist {

class LocalWorker {
public:
  /// Starts the first program of \p Places (findProgram) with \p Slots
  /// slots that read local files and require the secret in \p SecretPath,
  /// and waits until every slot listens. Its diagnostics go to \p LogFd.
  static llvm::Expected<std::unique_ptr<LocalWorker>>
  start(llvm::ArrayRef<std::string> Places, unsigned Slots,
        llvm::StringRef SecretPath, int LogFd);
  ~LocalWorker();

  const std::vector<SlotAddress> &endpoints() const { return Endpoints; }

private:
  LocalWorker(pid_t Pid) : Pid(Pid) {}
  pid_t Pid;
  std::vector<SlotAddress> Endpoints;
};

} // namespace clang::dist

#endif
