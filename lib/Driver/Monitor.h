//===- Driver/Monitor.h - clang-dist --monitor ------------------*- C++ -*-===//
//
// A live view of a local server, as distccmon-text and icemon give: jobs in
// flight, every slot, the last fallbacks and why, and
// throughput. It asks the server (StatusRequest on one connection, once a
// second), never starts one, and waits for one when none runs.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_MONITOR_H
#define CLANG_DIST_DRIVER_MONITOR_H

#include "Driver/ServerConnection.h"
#include "Protocol/Messages.h"
#include <string>

namespace clang::dist {

/// One view of \p S: lines of at most \p Width bytes, at most \p Height
/// lines (0: no limit); \p Now in seconds since the epoch. Plain text.
std::string formatStatus(const ServerStatus &S, unsigned Width, unsigned Height,
                         int64_t Now);

/// clang-dist --monitor: redraws the view every second on a terminal (the
/// alternate screen, restored on Ctrl-C), or prints one view after another
/// elsewhere, until a signal ends the process (exit code 0). With \p Once,
/// prints one view and returns 0, or says that no server runs and returns 1.
int runMonitor(const ServerTarget &Target, bool Once);

} // namespace clang::dist

#endif
