//===- LocalServer/FallbackWarnings.h - Fallbacks the user sees  -*- C++
//-*-===//
//
// The server sees every job of its config, so it decides which fallbacks
// the client prints (JobOutcome::Warn): the first of each cause and slot,
// then one line per cause every half a minute at most, saying how many went
// unsaid (Support/WarningLimit.h). make -j100 against a dead farm prints a
// few lines, and every fallback is still counted (Stats). Fallbacks whose
// local compile fails the same way (outputs that cannot be written, a job
// that crashes clang) print nothing: clang's own error says it.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_FALLBACKWARNINGS_H
#define CLANG_DIST_LOCALSERVER_FALLBACKWARNINGS_H

#include "Protocol/Messages.h"
#include "Support/WarningLimit.h"
#include <chrono>
#include <map>
#include <set>

namespace clang::dist {

class FallbackWarnings {
public:
  /// At most one line per cause in this long, but for new slots.
  static constexpr std::chrono::seconds Interval{30};

  /// \p Enabled: the config's fallback-warnings setting.
  explicit FallbackWarnings(bool Enabled) : Enabled(Enabled) {}

  /// Sets \p Outcome's Warn and Suppressed; a fallback outcome at \p Now.
  void decide(JobOutcome &Outcome, std::chrono::steady_clock::time_point Now);

private:
  bool Enabled;
  std::map<FallbackCause, WarningWindow> Windows;
  /// The causes and slots told of once.
  std::set<std::pair<FallbackCause, std::string>> Told;
};

} // namespace clang::dist

#endif
