//===- LocalServer/FallbackWarnings.cpp - Which fallbacks the user sees ---===//

#include "LocalServer/FallbackWarnings.h"

using namespace clang::dist;

void FallbackWarnings::decide(JobOutcome &Outcome,
                              std::chrono::steady_clock::time_point Now) {
  Outcome.Warn = false;
  Outcome.Suppressed = 0;
  // Outputs the server cannot write the client's clang cannot write either,
  // and a job that crashes clang crashes it there too: it says so in its own
  // words, and a line of ours would only come first.
  if (!Enabled || Outcome.Kind != JobOutcome::Disposition::Fallback ||
      Outcome.Cause == FallbackCause::CannotStore ||
      Outcome.Cause == FallbackCause::CrashesClang)
    return;
  bool NewSubject = !Told.count({Outcome.Cause, Outcome.Slot});
  auto Ms = [](auto D) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(D).count();
  };
  std::optional<uint64_t> Untold =
      admitWarning(Windows[Outcome.Cause], Ms(Now.time_since_epoch()),
                   Ms(Interval), NewSubject);
  if (!Untold)
    return;
  Told.insert({Outcome.Cause, Outcome.Slot});
  Outcome.Warn = true;
  Outcome.Suppressed = *Untold;
}
