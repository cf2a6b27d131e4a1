//===- unittests/Worker/JobQueueTest.cpp - Jobs waiting to be compiled ----===//
//
// The queue between the io thread and the compile thread: jobs in the order
// they came, a compile thread that waits for the next one, and closing as
// the way to stop it.
//
//===----------------------------------------------------------------------===//

#include "Worker/JobQueue.h"
#include <catch2/catch.hpp>
#include <thread>

using namespace clang::dist;

static QueuedJob job(uint64_t Id) {
  QueuedJob J;
  J.Job.Id = Id;
  return J;
}

TEST_CASE("JobQueue gives the jobs in the order they came", "[JobQueue]") {
  JobQueue Queue;
  Queue.push(job(1));
  Queue.push(job(2));
  CHECK(Queue.pop()->Job.Id == 1);
  CHECK(Queue.pop()->Job.Id == 2);
}

TEST_CASE("JobQueue wakes a waiting compile thread", "[JobQueue]") {
  JobQueue Queue;
  std::optional<QueuedJob> Popped;
  std::thread Waiter([&] { Popped = Queue.pop(); });
  Queue.push(job(7));
  Waiter.join();
  REQUIRE(Popped);
  CHECK(Popped->Job.Id == 7);
}

TEST_CASE("JobQueue, once closed, gives no more jobs", "[JobQueue]") {
  JobQueue Queue;
  SECTION("to a compile thread that waits") {
    std::optional<QueuedJob> Popped = job(0);
    std::thread Waiter([&] { Popped = Queue.pop(); });
    Queue.close();
    Waiter.join();
    CHECK_FALSE(Popped);
  }
  SECTION("even with jobs left") {
    Queue.push(job(1));
    Queue.close();
    CHECK_FALSE(Queue.pop());
  }
}
