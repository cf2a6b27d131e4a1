//===- Support/WarningLimit.cpp - A few lines for many like events --------===//

#include "Support/WarningLimit.h"
#include <utility>

using namespace clang::dist;

std::optional<uint64_t> clang::dist::admitWarning(WarningWindow &W,
                                                  int64_t NowMs,
                                                  int64_t IntervalMs,
                                                  bool NewSubject) {
  // A clock set back opens a new window too.
  bool Expired = W.StartMs == std::numeric_limits<int64_t>::min() ||
                 NowMs < W.StartMs || NowMs - W.StartMs >= IntervalMs;
  if (Expired) {
    W.StartMs = NowMs;
    W.Lines = 0;
  } else if (!NewSubject || W.Lines >= MaxWarningsPerWindow) {
    ++W.Untold;
    return std::nullopt;
  }
  ++W.Lines;
  return std::exchange(W.Untold, 0);
}
