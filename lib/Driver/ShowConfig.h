//===- Driver/ShowConfig.h - clang-dist --show-config -----------*- C++ -*-===//
//
// Every setting of a config as the server would use it, and where it came
// from: the file and line that set it last, or its default. A user whose
// build does not do what the file seems to say sees which line wins.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_SHOWCONFIG_H
#define CLANG_DIST_DRIVER_SHOWCONFIG_H

#include "Config/Config.h"
#include "llvm/ADT/StringRef.h"
#include <string>

namespace clang::dist {

/// One line per setting: name, effective value, origin (`dist.conf:7` or
/// `default`); a worker line's slots as one range. \p Cores is what "one slot
/// per core" comes to on this machine.
std::string describeConfig(const DistConfig &Config, unsigned Cores);

/// Prints \p Config's path and describeConfig on stdout; returns the exit
/// code.
int showConfig(const DistConfig &Config);

} // namespace clang::dist

#endif
