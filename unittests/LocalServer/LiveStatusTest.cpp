//===- LocalServer/LiveStatusTest.cpp - What the monitor shows ------------===//

#include "LocalServer/LiveStatus.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using State = ServerStatus::JobState;

namespace {
ServerStatus fill(const LiveStatus &Live) {
  ServerStatus S;
  Live.fill(S, [](size_t Slot) { return "slot" + std::to_string(Slot); });
  return S;
}
} // namespace

TEST_CASE("Jobs in flight, oldest first, with state and slot", "[LiveStatus]") {
  LiveStatus Live;
  Live.started(1, "a.c");
  Live.started(2, "b.c");
  Live.rename(2, "/src/b.c");
  Live.moved(1, State::Compiling, 3);
  Live.moved(2, State::Queued);
  ServerStatus S = fill(Live);
  REQUIRE(S.Jobs.size() == 2);
  CHECK(S.JobsInFlight == 2);
  CHECK(S.Jobs[0].Source == "a.c");
  CHECK(S.Jobs[0].State == State::Compiling);
  CHECK(S.Jobs[0].Slot == "slot3");
  CHECK(S.Jobs[1].Source == "/src/b.c");
  CHECK(S.Jobs[1].State == State::Queued);
  CHECK(S.Jobs[1].Slot.empty());

  // A cancelled job is gone, and not counted as finished.
  Live.cancelled(1);
  Live.finished(2);
  // Late calls for a job that ended change nothing.
  Live.moved(2, State::Storing, 1);
  Live.finished(2);
  S = fill(Live);
  CHECK(S.Jobs.empty());
  CHECK(S.JobsInFlight == 0);
  CHECK(S.JobsFinished == 1);
  CHECK(S.FinishedLastMinute == 1);
}

TEST_CASE("The last 20 jobs sent back to the client", "[LiveStatus]") {
  LiveStatus Live;
  for (int I = 0; I != 25; ++I)
    Live.ranLocally("f" + std::to_string(I) + ".c", "reason");
  ServerStatus S = fill(Live);
  REQUIRE(S.Fallbacks.size() == 20);
  CHECK(S.Fallbacks.front().Source == "f5.c");
  CHECK(S.Fallbacks.back().Source == "f24.c");
}

TEST_CASE("Status texts keep their end within the bound", "[LiveStatus]") {
  std::string Long(ServerStatus::MaxText + 10, 'x');
  Long += "/name.c";
  std::string Cut = statusText(Long);
  CHECK(Cut.size() == ServerStatus::MaxText);
  CHECK(llvm::StringRef(Cut).startswith("..."));
  CHECK(llvm::StringRef(Cut).endswith("xx/name.c"));
  CHECK(statusText("short") == "short");
}
