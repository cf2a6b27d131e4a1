//===- Worker/JobQueue.cpp - Jobs waiting to be compiled ------------------===//

#include "Worker/JobQueue.h"

using namespace clang::dist;

void JobQueue::push(QueuedJob J) {
  {
    std::lock_guard<std::mutex> Lock(M);
    Jobs.push_back(std::move(J));
    if (Length)
      *Length = Jobs.size();
  }
  CV.notify_one();
}

std::optional<QueuedJob> JobQueue::pop() {
  std::unique_lock<std::mutex> Lock(M);
  CV.wait(Lock, [&] { return Closed || !Jobs.empty(); });
  if (Closed)
    return std::nullopt;
  QueuedJob J = std::move(Jobs.front());
  Jobs.pop_front();
  if (Length)
    *Length = Jobs.size();
  return J;
}

void JobQueue::close() {
  {
    std::lock_guard<std::mutex> Lock(M);
    Closed = true;
  }
  CV.notify_all();
}
