//===- SlaveNode/SlaveListener.h - One compile slot -------------*- C++ -*-===//
//
// A slot is one process: its main thread waits on an io_context (accepting
// connections, reading jobs, writing results and heartbeats), and one compile
// thread takes jobs from a queue and compiles them in process. A crash takes
// down one slot, and the supervisor starts it again.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SLAVENODE_SLAVELISTENER_H
#define CLANG_DIST_SLAVENODE_SLAVELISTENER_H

#include "Protocol/SharedSecret.h"
#include "Support/Log.h"
#include <chrono>
#include <optional>
#include <string>

namespace clang::dist {

struct ListenerOptions {
  /// A listening TCP socket, bound by the supervisor.
  int ListenFd = -1;
  /// How often a connection that waits for a result hears from us.
  std::chrono::milliseconds HeartbeatInterval{1000};
  /// A peer must complete its Hello within this.
  std::chrono::milliseconds HandshakeTimeout{10000};
  /// The blob cache shared by all slots (BlobStore.h) and its size limit.
  std::string CacheDir;
  uint64_t CacheLimit = 1ull << 30;
  /// When set, every peer must prove it before anything else is read.
  std::optional<SharedSecret> Secret;
  /// Take LocalFiles jobs, which read this machine's disk: only for the
  /// slaves a local server starts, with a secret of its own.
  bool LocalFiles = false;
};

/// Serves until SIGTERM/SIGINT; then writes "compiled N translation units"
/// to stderr. Returns the process exit code: 1 if the socket is unusable.
int runSlaveListener(const ListenerOptions &Options, Logger &Log);

} // namespace clang::dist

#endif
