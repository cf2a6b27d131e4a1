//===- LocalServer/OwnWorkerStart.h - Own worker, on demand -----*- C++ -*-===//
//
// With no farm configured, a server's jobs go to a worker of its own
// (LocalWorker.h). It starts when the first job needs a slot, not with the
// server: a rebuild whose every job is a cache hit never starts it, and the
// build's first hits are not kept waiting while it starts (a new process of
// 37 MB that listens on a port per core: 30 ms of CPU on the machines of
// docs/PERFORMANCE.md). It starts on the pool, so the io thread answers
// hits meanwhile; the jobs that need a slot wait for it.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_OWNWORKERSTART_H
#define CLANG_DIST_LOCALSERVER_OWNWORKERSTART_H

#include "LocalServer/LocalWorker.h"
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <string>
#include <vector>

namespace clang::dist {

/// All calls on the io thread.
class OwnWorkerStart {
public:
  using StartFn = std::function<llvm::Expected<std::unique_ptr<LocalWorker>>()>;
  /// Called on the io thread with the started worker's slots, or why it
  /// did not start.
  using StartedFn =
      std::function<void(llvm::Expected<std::vector<SlotAddress>>)>;

  OwnWorkerStart(boost::asio::io_context &IO, boost::asio::thread_pool &Pool,
                 StartFn Start, StartedFn Started);
  /// Stops the worker, if it started.
  ~OwnWorkerStart();

  /// Whether the worker started, or failed to.
  bool done() const { return Done; }
  /// Calls \p Then once the worker started or failed to, after StartedFn;
  /// the first call starts it.
  void afterStart(std::function<void()> Then);

private:
  boost::asio::io_context &IO;
  boost::asio::thread_pool &Pool;
  StartFn Start;
  StartedFn Started;
  bool Starting = false;
  bool Done = false;
  std::vector<std::function<void()>> Waiting;
  std::unique_ptr<LocalWorker> Worker;
};

} // namespace clang::dist

#endif
