//===- Driver/MonitorTest.cpp - clang-dist --monitor's view ---------------===//

#include "Driver/Monitor.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using Catch::Matchers::Contains;

namespace {

ServerStatus makeStatus() {
  ServerStatus S;
  S.Pid = 77;
  S.StartTime = 1000;
  S.ConfigPath = "/home/u/farm/dist.conf";
  S.Mode = DistributionMode::Sources;
  S.JobsInFlight = 2;
  S.SlotCount = 2;
  S.JobsFinished = 40;
  S.FinishedLastMinute = 12;
  S.Jobs = {{"/src/very/long/path/to/a/source/file/compiling.cpp",
             ServerStatus::JobState::Compiling, "10.0.0.5:63000", 1234},
            {"/src/queued.cpp", ServerStatus::JobState::Queued, "", 65000}};
  S.Slots = {{"10.0.0.5:63000", ServerStatus::SlotState::Busy, 0, "", 30},
             {"10.0.0.6:63000", ServerStatus::SlotState::BackedOff, 25000,
              "cannot connect: Connection refused", 0}};
  S.Fallbacks = {{1000, "/src/old.c", "every slot is backed off"},
                 {1010, "/src/new.c", "slot 10.0.0.6:63000 failed"}};
  return S;
}

llvm::SmallVector<llvm::StringRef, 32> lines(llvm::StringRef Text) {
  llvm::SmallVector<llvm::StringRef, 32> Out;
  Text.split(Out, '\n');
  return Out;
}

} // namespace

TEST_CASE("The monitor's view", "[Monitor]") {
  std::string View = formatStatus(makeStatus(), 0, 0, 1065);
  CHECK_THAT(View, Contains("clang-dist-server 77, up 1m05s, sources mode: "
                            "/home/u/farm/dist.conf\n"));
  CHECK_THAT(View, Contains("throughput: 12 jobs in the last minute, 40 "
                            "since the server started\n"));
  CHECK_THAT(View,
             Contains("  compiling     1.2s  10.0.0.5:63000        "
                      "/src/very/long/path/to/a/source/file/compiling.cpp\n"));
  CHECK_THAT(View, Contains("  queued       1m05s                        "
                            "/src/queued.cpp\n"));
  CHECK_THAT(View, Contains("  10.0.0.5:63000        busy           30\n"));
  CHECK_THAT(View, Contains("  10.0.0.6:63000        backed off      0  for "
                            "25.0s more: cannot connect: Connection "
                            "refused\n"));
  // The most recent first.
  CHECK(View.find("/src/new.c: slot") < View.find("/src/old.c: every"));
  CHECK_THAT(View, !Contains("retiring"));
}

TEST_CASE("The view fits the terminal", "[Monitor]") {
  std::string View = formatStatus(makeStatus(), 60, 0, 1065);
  for (llvm::StringRef Line : lines(View))
    CHECK(Line.size() <= 60);
  // A long path keeps its file name.
  CHECK_THAT(View, Contains("  compiling     1.2s  10.0.0.5:63000        "
                            "...compiling.cpp\n"));

  View = formatStatus(makeStatus(), 0, 8, 1065);
  auto Lines = lines(View);
  CHECK(Lines.size() == 8);
  CHECK(Lines.back().startswith("... "));
}

TEST_CASE("A retiring server and lists cut short say so", "[Monitor]") {
  ServerStatus S = makeStatus();
  S.Retiring = true;
  S.JobsInFlight = 5;
  S.SlotCount = 9;
  std::string View = formatStatus(S, 0, 0, 1065);
  CHECK_THAT(View, Contains("retiring: it finishes its jobs in flight, then "
                            "exits\n"));
  CHECK_THAT(View, Contains("jobs in flight: 5\n"));
  CHECK_THAT(View, Contains("  ... and 3 more\n"));
  CHECK_THAT(View, Contains("  ... and 7 more\n"));
}
