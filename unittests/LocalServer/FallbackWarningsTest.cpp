//===- unittests/LocalServer/FallbackWarningsTest.cpp - Fallbacks told ----===//

#include "LocalServer/FallbackWarnings.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using Clock = std::chrono::steady_clock;

namespace {
JobOutcome fallback(FallbackCause Cause, std::string Slot) {
  JobOutcome O;
  O.Kind = JobOutcome::Disposition::Fallback;
  O.Cause = Cause;
  O.Slot = std::move(Slot);
  return O;
}
} // namespace

TEST_CASE("A dead farm's hundred fallbacks make a few warnings",
          "[FallbackWarnings]") {
  FallbackWarnings W(true);
  Clock::time_point T0 = Clock::now();
  unsigned Warned = 0;
  for (int I = 0; I != 100; ++I) {
    JobOutcome O = fallback(FallbackCause::Unreachable,
                            I % 2 ? "10.0.0.5:63000" : "10.0.0.5:63001");
    W.decide(O, T0 + std::chrono::milliseconds(I));
    Warned += O.Warn;
  }
  for (int I = 0; I != 100; ++I) {
    JobOutcome O = fallback(FallbackCause::BackedOff, "");
    W.decide(O, T0 + std::chrono::milliseconds(100 + I));
    Warned += O.Warn;
  }
  // One per slot, one for the backed-off farm.
  CHECK(Warned == 3);
  JobOutcome Later = fallback(FallbackCause::BackedOff, "");
  W.decide(Later, T0 + FallbackWarnings::Interval + std::chrono::seconds(1));
  CHECK(Later.Warn);
  CHECK(Later.Suppressed == 99);
}

TEST_CASE("Nothing is told when the config turns warnings off, nor of "
          "outputs the client cannot write either, nor of jobs that are no "
          "fallback",
          "[FallbackWarnings]") {
  FallbackWarnings Off(false);
  JobOutcome O = fallback(FallbackCause::TimedOut, "a:1");
  Off.decide(O, Clock::now());
  CHECK_FALSE(O.Warn);

  FallbackWarnings On(true);
  JobOutcome Full = fallback(FallbackCause::CannotStore, "");
  On.decide(Full, Clock::now());
  CHECK_FALSE(Full.Warn);

  JobOutcome Local;
  Local.Kind = JobOutcome::Disposition::LocalByDesign;
  On.decide(Local, Clock::now());
  CHECK_FALSE(Local.Warn);
}
