//===- Driver/LocalCC1.h - Running a cc1 job on this machine ----*- C++ -*-===//
//
// clang-16 runs its cc1 jobs in process. We run them with clang-16 itself, in
// a child process, but through the driver's in-process hook, so that
// everything the driver does around them is what clang-16 does: "-v" and
// "-###" say " (in-process)", and a crash is reported with the exit code an
// in-process crash gets (128 + signal), with clang's crash diagnostics. And
// the child ends with the client, as an in-process cc1 ends with its clang.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_LOCALCC1_H
#define CLANG_DIST_DRIVER_LOCALCC1_H

#include "llvm/ADT/SmallVector.h"

namespace clang::dist {

/// A clang::driver::Driver::CC1Main: runs Argv (argv[0] is clang-16) and
/// returns its exit code, or 128 + the signal that killed it. A SIGTERM,
/// SIGINT, SIGHUP or SIGQUIT meanwhile goes on to the child, and once it is
/// gone the client dies of that signal; the child gets SIGTERM if the client
/// dies of anything else. The child has the client's descriptors 0-2 and
/// those its arguments name (/dev/fd/N), no other. Needs a client of one
/// thread (the parent-death signal is tied to the thread that forked).
int runCC1(llvm::SmallVectorImpl<const char *> &Argv);

} // namespace clang::dist

#endif
