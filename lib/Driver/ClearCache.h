//===- Driver/ClearCache.h - clang-dist --clear-cache -----------*- C++ -*-===//
//
// Empties the user's local result cache (docs/CACHE.md), as ccache -C does:
// every server of the user shares it, and a running one goes on with an
// empty cache. A team's shared cache is left alone: it is not the user's.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_CLEARCACHE_H
#define CLANG_DIST_DRIVER_CLEARCACHE_H

#include "Config/Config.h"

namespace clang::dist {

/// Prints what it removed on stdout; returns the exit code.
int clearCache(const DistConfig &Config);

} // namespace clang::dist

#endif
