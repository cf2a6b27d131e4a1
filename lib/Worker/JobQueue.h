//===- Worker/JobQueue.h - Jobs waiting to be compiled ----------*- C++ -*-===//
//
// The io thread reads jobs, and the slot's one compile thread runs them in
// the order they came; since the slot takes a job only while none runs
// (SlotGate.h), it holds one at most. Closing the queue is how the compile
// thread is told to stop.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_JOBQUEUE_H
#define CLANG_DIST_WORKER_JOBQUEUE_H

#include "Protocol/Messages.h"
#include "Worker/JobConnection.h"
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace clang::dist {

struct QueuedJob {
  std::shared_ptr<JobConnection> Conn;
  CompileJob Job;
  /// Answers the server sent with the job, for the compile thread to learn
  /// first.
  std::vector<Answers::Entry> Learned;
};

class JobQueue {
public:
  /// \p Length, if given, follows the number of jobs waiting (a slot's
  /// metrics).
  explicit JobQueue(std::atomic<uint64_t> *Length = nullptr) : Length(Length) {}

  void push(QueuedJob J);
  /// Blocks until there is a job; std::nullopt once closed, even if jobs
  /// are left: they are not run.
  std::optional<QueuedJob> pop();
  void close();

private:
  std::mutex M;
  std::condition_variable CV;
  std::deque<QueuedJob> Jobs;
  bool Closed = false;
  std::atomic<uint64_t> *Length;
};

} // namespace clang::dist

#endif
