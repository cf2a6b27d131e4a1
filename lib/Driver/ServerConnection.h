//===- Driver/ServerConnection.h - Reach the local server -------*- C++ -*-===//
//
// A client that finds no server takes the start lock, looks again, and only
// then starts one and waits for it to say it is ready. Clients that race
// (make -j64 at the first compile of a build) queue on the lock and find the
// server the first one started: exactly one server, no failed compile.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_SERVERCONNECTION_H
#define CLANG_DIST_DRIVER_SERVERCONNECTION_H

#include "Config/RuntimeDir.h"
#include "Protocol/Frame.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"
#include <optional>
#include <vector>

namespace clang::dist {

struct ServerTarget {
  /// The config's real path; empty for the built-in default.
  std::string ConfigPath;
  ServerPaths Paths;
  /// Where clang-dist-server may be (serverProgramPlaces); the first there
  /// is started as `clang-dist-server CONFIG READY_FD`.
  std::vector<std::string> ServerPlaces;
  /// The config's fallback-warnings setting.
  bool FallbackWarnings = true;

  /// The config as messages name it: 'PATH', or the built-in default.
  std::string configName() const {
    return ConfigPath.empty() ? "the built-in default config"
                              : "'" + ConfigPath + "'";
  }
};

/// Connects to the server of \p Target, starting it if nobody listens.
/// ProgramMissing if its program is in none of its places.
llvm::Expected<FrameSocket> connectToServer(const ServerTarget &Target);

/// Connects to the server of \p Target if one runs, never starting one (the
/// commands that look at or stop a server), and exchanges Hello and
/// HelloReply. std::nullopt: no server listens.
llvm::Expected<std::optional<FrameSocket>>
connectToRunningServer(const ServerTarget &Target);

/// The pid of the server at the other end of \p Socket; 0 if unknown.
int serverPid(const FrameSocket &Socket);

/// Waits until process \p Pid has exited, at most \p TimeoutMs (-1: no
/// limit); returns at once for pid 0 or a process gone already.
void awaitExit(int Pid, int TimeoutMs);

/// Runs \p Body if no server of \p Target runs, holding the start lock so
/// that none starts meanwhile, and the server lock; returns whether it ran.
/// An error if a server that no longer listens is still finishing its jobs.
llvm::Expected<bool> whileNoServer(const ServerTarget &Target,
                                   llvm::function_ref<llvm::Error()> Body);

/// Waits, a few seconds at most, until the server at the other end of
/// \p Socket has exited. A client whose server went away must not connect
/// again before that: the dying process may still hold its listening socket,
/// which queues the new connection and then resets it.
void awaitServerExit(const FrameSocket &Socket);

} // namespace clang::dist

#endif
