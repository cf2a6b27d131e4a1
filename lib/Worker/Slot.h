//===- Worker/Slot.h - One slot process -------------------------*- C++ -*-===//
//
// A slot is one process of a clang-dist-worker, serving on one port: its main
// thread waits on an io_context (accepting connections, handshakes, reading
// jobs and the replies to the compile's questions, writing results and
// heartbeats), and one compile thread (CompileThread.h) takes the jobs from a
// queue and compiles them in process. The slot takes one job at a time, from
// whichever local server's turn it is (SlotGate.h), and refuses the rest: a
// job never waits here behind another. A crash takes down one slot, and the
// supervisor starts it again.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_SLOT_H
#define CLANG_DIST_WORKER_SLOT_H

#include "Protocol/SharedSecret.h"
#include "Support/Log.h"
#include "Tls/TlsContext.h"
#include "Worker/CompileThread.h"
#include "Worker/JobQueue.h"
#include "Worker/SlotCounters.h"
#include "Worker/SlotGate.h"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace clang::dist {

struct SlotOptions {
  /// A listening TCP socket, bound by the supervisor.
  int ListenFd = -1;
  /// How often a connection that waits for a result hears from us.
  std::chrono::milliseconds HeartbeatInterval{1000};
  /// A peer must complete its Hello within this.
  std::chrono::milliseconds HandshakeTimeout{10000};
  /// The blob cache shared by all slots (BlobStore.h) and its size limit.
  std::string CacheDir;
  uint64_t CacheLimit = 1ull << 30;
  /// When set, every peer must prove it before anything else is read, and
  /// a peer that connects to a non-loopback address must speak TLS keyed
  /// by it.
  std::optional<SharedSecret> Secret;
  /// Take LocalFiles jobs, which read this machine's disk: only for the
  /// worker a local server starts, with a secret of its own.
  bool LocalFiles = false;
  /// The machine's speed as the supervisor measured it (Speed.h), told to
  /// every server in the HelloReply; 0: unknown.
  uint32_t Speed = 0;
  /// Where the slot counts what it does (the supervisor's row for it); none:
  /// a row of the slot's own, which nobody reads.
  SlotCounters *Counters = nullptr;
};

/// Serves until SIGTERM/SIGINT; then closes its connections, writes
/// "compiled N translation units" to stderr, and returns the process exit
/// code (1 if the socket is unusable) once the compile thread has ended. A
/// compile that goes on for a second more is not waited for: the process
/// ends with it, here (_exit), before anything it uses is destroyed.
int runSlot(const SlotOptions &Options, Logger &Log);

class Connection;

/// The io thread's side of a slot, and the compile thread it starts.
class Slot {
public:
  /// \p Options, \p Log and \p Store must outlive the slot.
  Slot(const SlotOptions &Options, Logger &Log, const BlobStore &Store,
       CompileFunction Compile);

  /// Serves on Options.ListenFd until stopped, then writes the summary line.
  /// Returns the process exit code: 1 if the socket is unusable.
  int run();
  /// From any thread, as SIGTERM and SIGINT do: no more jobs are taken,
  /// and every connection is closed, with the jobs it submitted.
  void stop();
  /// After run: waits up to \p Grace for the compile thread, and true if it
  /// has ended. False leaves a compile running on the slot, which then must
  /// not be destroyed.
  bool finish(std::chrono::milliseconds Grace) {
    return Compiler.finish(Grace);
  }

private:
  void accept();
  /// A connection finished its handshake, or closed during it.
  void handshakeEnded();
  void shutdown();

  boost::asio::io_context IO;
  const SlotOptions &Options;
  Logger &Log;
  SlotCounters OwnCounters;
  SlotCounters &Counters;
  JobQueue Queue;
  SlotGate Gate;
  boost::asio::ip::tcp::acceptor Acceptor;
  boost::asio::signal_set Signals;
  /// TLS keyed by the secret, if there is one.
  std::unique_ptr<TlsContext> Tls;
  /// Connections accepted whose peer has not proved itself yet. Each holds
  /// at most one handshake frame (a 64 KiB Hello), so a peer without the
  /// secret makes the slot hold at most MaxHandshakes of them; later
  /// connections wait in the listen backlog until one ends.
  unsigned Handshakes = 0;
  bool AcceptPaused = false;
  /// Closed at shutdown; expired ones are dropped as connections come.
  std::vector<std::weak_ptr<Connection>> Connections;
  /// Destroyed first: it waits for the thread, which uses the rest.
  CompileThread Compiler;
};

} // namespace clang::dist

#endif
