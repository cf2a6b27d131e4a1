//===- Config/RuntimeDir.h - Where a local server lives ---------*- C++ -*-===//
//
// Each config has its own local server. Its socket, locks and log sit in a
// private per-user directory, named by a hash of the config's real path, so
// that every client of one build finds the same server without talking to
// anyone.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_CONFIG_RUNTIMEDIR_H
#define CLANG_DIST_CONFIG_RUNTIMEDIR_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <string>

namespace clang::dist {

/// $CLANG_DIST_RUNTIME_DIR if set, else /tmp/clang-dist-<uid>. Created with
/// mode 0700 if missing. Refused, with an error naming the path, if it is not
/// a directory, another user owns it, or anyone else may write to it: a
/// socket planted there by someone else would receive our sources.
llvm::Expected<std::string> openRuntimeDir();

struct ServerPaths {
  std::string Socket;
  /// Held (flock) by the running server for its whole life.
  std::string ServerLock;
  /// Held by the client that is starting a server, so that racing clients
  /// start exactly one.
  std::string StartLock;
  std::string Log;
  /// The secret between the server and the worker it starts on this machine.
  std::string WorkerSecret;
  /// The slots backed off after failures, for the config's next server.
  std::string Backoffs;
  /// The server's counters, kept across its lives (Config/StatsFile.h).
  std::string Stats;
  /// The fallbacks that clients counted themselves, having no server to
  /// tell, and their warnings' windows (same format).
  std::string ClientFallbacks;
};

/// 16 hex digits naming the server of \p ConfigPath ("" is the built-in
/// default config).
std::string configHash(llvm::StringRef ConfigPath);

/// Fails if the socket path does not fit in sockaddr_un.
llvm::Expected<ServerPaths> serverPaths(llvm::StringRef RuntimeDir,
                                        llvm::StringRef ConfigPath);

} // namespace clang::dist

#endif
