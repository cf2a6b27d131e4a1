//===- Worker/CompileThread.h - A slot's compiles ---------------*- C++ -*-===//
//
// A slot's one compile thread: it takes the jobs from the queue (one at a
// time: the slot takes no job while one runs, SlotGate.h) and compiles each
// on its connection's view of the client's files (sources), or on what the
// job carries, and hands the result to the connection. A job whose
// connection closed while it waited is not run.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_COMPILETHREAD_H
#define CLANG_DIST_WORKER_COMPILETHREAD_H

#include "Support/Log.h"
#include "Worker/BlobStore.h"
#include "Worker/JobQueue.h"
#include "Worker/SlotCounters.h"
#include "llvm/Support/VirtualFileSystem.h"
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace clang::dist {

/// Compiles one job (Compiler.h's compile, or a fake in tests); a Sources
/// job reads \p ClientFiles.
using CompileFunction = std::function<CompileResult(
    const CompileJob &Job,
    llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> ClientFiles)>;

class CompileThread {
public:
  /// \p Queue, \p Store, \p Log and \p Counters must outlive the thread.
  CompileThread(JobQueue &Queue, const BlobStore &Store, Logger &Log,
                SlotCounters &Counters, CompileFunction Compile)
      : Queue(Queue), Store(Store), Log(Log), Counters(Counters),
        Compile(std::move(Compile)) {}
  /// Waits for the thread: close the queue first.
  ~CompileThread();

  /// Runs the queue's jobs until the queue is closed.
  void start();
  /// Once the queue is closed: waits up to \p Grace for the job in flight,
  /// and true if the thread has ended. A compile cannot be interrupted, so
  /// false leaves it running, on everything the thread was given.
  bool finish(std::chrono::milliseconds Grace);
  /// Compiles that ran to their end; a compile whose connection was lost
  /// while it asked about the client's files does not count.
  uint64_t compiled() const { return Compiled.load(); }

private:
  void run();

  JobQueue &Queue;
  const BlobStore &Store;
  Logger &Log;
  SlotCounters &Counters;
  CompileFunction Compile;
  std::atomic<uint64_t> Compiled{0};
  std::mutex M;
  std::condition_variable Ended;
  bool Done = false;
  std::thread Thread;
};

} // namespace clang::dist

#endif
