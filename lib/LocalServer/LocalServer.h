//===- LocalServer/LocalServer.h - The per-build server ---------*- C++ -*-===//
//
// One server per config and user, started on demand by the first client that
// finds none. It holds the server lock for its whole life, listens on the
// config's socket, runs jobs, and exits after the configured idle time.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_LOCALSERVER_H
#define CLANG_DIST_LOCALSERVER_LOCALSERVER_H

#include "Config/Config.h"
#include "Config/RuntimeDir.h"
#include <string>
#include <vector>

namespace clang::dist {

struct LocalServerOptions {
  DistConfig Config;
  ServerPaths Paths;
  /// Where clang-dist-worker may be (workerProgramPlaces), for the built-in
  /// default of a worker on this machine.
  std::vector<std::string> WorkerPlaces;
  /// The clang-dist executable of this server: when it is replaced (a new
  /// build or version), the server hands over to one started from the new
  /// file.
  std::string Executable;
  /// Written "ready\n" and closed once the server accepts connections, or
  /// "error: WHY\n" if it cannot (reportStartFailure); -1: nobody waits.
  int ReadyFd = -1;
};

/// Tells the client that waits on \p ReadyFd (if any) why the server does
/// not start, in one line, and closes it: the client names the reason, not
/// whatever another process wrote last to the log.
void reportStartFailure(int ReadyFd, llvm::StringRef Why);

/// Serves until idle or SIGTERM/SIGINT; returns the process exit code.
int runLocalServer(const LocalServerOptions &Options);

} // namespace clang::dist

#endif
