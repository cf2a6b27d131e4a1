//===- Driver/LocalCC1.h - Running a cc1 job on this machine ----*- C++ -*-===//
//
// clang-16 runs its cc1 jobs in process. We run them with clang-16 itself, in
// a child process, but through the driver's in-process hook, so that
// everything the driver does around them is what clang-16 does: "-v" and
// "-###" say " (in-process)", and a crash is reported with the exit code an
// in-process crash gets (128 + signal), with clang's crash diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_LOCALCC1_H
#define CLANG_DIST_DRIVER_LOCALCC1_H

#include "llvm/ADT/SmallVector.h"

namespace clang::dist {

/// A clang::driver::Driver::CC1Main: runs Argv (argv[0] is clang-16) and
/// returns its exit code, or 128 + the signal that killed it.
int runCC1(llvm::SmallVectorImpl<const char *> &Argv);

} // namespace clang::dist

#endif
