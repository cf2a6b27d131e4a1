//===- Driver/StopServer.h - clang-dist --stop-server -----------*- C++ -*-===//
//
// Stops a config's local server as a new executable or an edited config
// does: it stops listening (the next compile starts a new server), finishes
// the jobs in flight and exits. Waits for that, so that a script can go on
// knowing no job of the old server is left.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_STOPSERVER_H
#define CLANG_DIST_DRIVER_STOPSERVER_H

#include "Driver/ServerConnection.h"

namespace clang::dist {

/// Prints what it does on stdout; returns the exit code: 0 when the server
/// has exited, or when none ran.
int stopServer(const ServerTarget &Target);

} // namespace clang::dist

#endif
