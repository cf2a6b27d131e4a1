//===- Protocol/Version.h - clang-dist's own version ------------*- C++ -*-===//
//
// What --version prints of clang-dist's own, in every program: its version
// (CMake's project version) and the protocol version its peers must match.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_PROTOCOL_VERSION_H
#define CLANG_DIST_PROTOCOL_VERSION_H

#include "llvm/ADT/StringRef.h"
#include <string>

namespace clang::dist {

/// "0.1.0": the version of this build of clang-dist.
llvm::StringRef clangDistVersion();

/// "PROGRAM version 0.1.0 (protocol 6)", without a newline.
std::string versionLine(llvm::StringRef Program);

} // namespace clang::dist

#endif
