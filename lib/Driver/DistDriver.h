//===- Driver/DistDriver.h - clang's driver, distributing -------*- C++ -*-===//

#ifndef CLANG_DIST_DRIVER_DISTDRIVER_H
#define CLANG_DIST_DRIVER_DISTDRIVER_H

#include "llvm/ADT/ArrayRef.h"

namespace clang::dist {

/// `clang-dist [--distributed FILE] <clang arguments>`: builds the
/// compilation with clang's Driver exactly as clang-16 would, hands compile
/// jobs to the local server, runs every other job locally, and returns
/// clang's exit code.
int runDistDriver(llvm::ArrayRef<const char *> Argv);

} // namespace clang::dist

#endif
