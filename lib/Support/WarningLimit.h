//===- Support/WarningLimit.h - A few lines for many like events *- C++ -*-===//
//
// make -j100 against a dead farm fails a hundred jobs for one reason; the
// user needs to read that reason once, not a hundred times, and to know how
// often it happened since. Each kind of event gets a window of a fixed
// length: the first event opens one and is told, and so are the first events
// of a few other subjects (another slot) within it; the rest are counted and
// the count goes with the next line told.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_WARNINGLIMIT_H
#define CLANG_DIST_SUPPORT_WARNINGLIMIT_H

#include <cstdint>
#include <limits>
#include <optional>

namespace clang::dist {

/// One kind of event's window; plain data, so that it can be kept in a file
/// between processes.
struct WarningWindow {
  /// When the window opened, in the caller's milliseconds.
  int64_t StartMs = std::numeric_limits<int64_t>::min();
  /// Lines told in this window.
  uint64_t Lines = 0;
  /// Events not told since the last line.
  uint64_t Untold = 0;
};

/// The lines a window tells at most: its first, and those of new subjects.
inline constexpr uint64_t MaxWarningsPerWindow = 3;

/// Whether the event at \p NowMs gets a line. If so, returns how many events
/// of the window's kind went untold before it (and counts them told);
/// otherwise counts it untold. \p NewSubject: the first event about its
/// subject (a slot), which may be told within the window.
std::optional<uint64_t> admitWarning(WarningWindow &W, int64_t NowMs,
                                     int64_t IntervalMs, bool NewSubject);

} // namespace clang::dist

#endif
