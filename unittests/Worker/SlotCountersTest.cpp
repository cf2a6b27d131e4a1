//===- unittests/Worker/SlotCountersTest.cpp - Counters across processes --===//

#include "Worker/SlotCounters.h"
#include "ExpectedMatchers.h"
#include <catch2/catch.hpp>
#include <csignal>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace clang::dist;
using namespace clang::dist::test;
using namespace std::chrono_literals;

namespace {

/// Runs \p Child in a forked process and returns how it ended (the status
/// waitpid gives).
template <typename Fn> int inChild(Fn Child) {
  pid_t Pid = ::fork();
  if (Pid == 0) {
    // A fault ends the child, not in Catch2's handler, and leaves no core.
    std::signal(SIGSEGV, SIG_DFL);
    std::signal(SIGBUS, SIG_DFL);
    rlimit NoCore{0, 0};
    ::setrlimit(RLIMIT_CORE, &NoCore);
    ::_exit(Child());
  }
  int Status = 0;
  ::waitpid(Pid, &Status, 0);
  return Status;
}

} // namespace

TEST_CASE("A slot's counts reach the supervisor's mapping", "[SlotCounters]") {
  SharedSlotCounters Rows = unwrap(SharedSlotCounters::create(3));
  int Status = inChild([&] {
    Rows.keepOnly(1);
    SlotCounters &Mine = Rows.row(0);
    Mine.jobEnded(DistributionMode::Sources, SlotOutcome::Completed, 300ms);
    Mine.jobEnded(DistributionMode::Sources, SlotOutcome::Failed, 20s);
    Mine.jobEnded(DistributionMode::Preprocessed, SlotOutcome::Lost,
                  std::nullopt);
    Mine.refused(PeerRefusal::Secret);
    Mine.Busy = 1;
    return 0;
  });
  REQUIRE(WIFEXITED(Status));
  const SlotCounters &R = Rows.row(1);
  CHECK(R.Jobs[size_t(DistributionMode::Sources) - 1]
              [size_t(SlotOutcome::Completed)] == 1);
  CHECK(R.Jobs[size_t(DistributionMode::Sources) - 1]
              [size_t(SlotOutcome::Failed)] == 1);
  CHECK(R.Jobs[size_t(DistributionMode::Preprocessed) - 1]
              [size_t(SlotOutcome::Lost)] == 1);
  CHECK(R.CompileMicroseconds == 20300000);
  // 0.3 s is in the 0.5 s bucket, 20 s in the 30 s one.
  CHECK(R.CompileBuckets[2] == 1);
  CHECK(R.CompileBuckets[7] == 1);
  CHECK(R.PeersRefused[size_t(PeerRefusal::Secret)] == 1);
  CHECK(Rows.row(0).Jobs[size_t(DistributionMode::Sources) - 1]
                        [size_t(SlotOutcome::Completed)] == 0);

  // Started again: the gauges start from nothing, the counters go on.
  Rows.row(1).restarted();
  CHECK(R.Busy == 0);
  CHECK(R.Restarts == 1);
  CHECK(R.CompileMicroseconds == 20300000);
}

TEST_CASE("A slot cannot write another slot's row", "[SlotCounters]") {
  SharedSlotCounters Rows = unwrap(SharedSlotCounters::create(2));
  SlotCounters *Other = &Rows.row(0);
  int Status = inChild([&] {
    Rows.keepOnly(1);
    ++Other->Busy;
    return 0;
  });
  CHECK(WIFSIGNALED(Status));
  CHECK(WTERMSIG(Status) == SIGSEGV);
  CHECK(Rows.row(0).Busy == 0);
}

TEST_CASE("The metrics process cannot write a row", "[SlotCounters]") {
  SharedSlotCounters Rows = unwrap(SharedSlotCounters::create(1));
  int Status = inChild([&] {
    Rows.makeReadOnly();
    ++Rows.row(0).Busy;
    return 0;
  });
  CHECK(WIFSIGNALED(Status));
  CHECK(Rows.row(0).Busy == 0);
}
