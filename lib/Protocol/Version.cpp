//===- Protocol/Version.cpp - clang-dist's own version --------------------===//

#include "Protocol/Version.h"
#include "Protocol/Messages.h"
#include "llvm/ADT/Twine.h"

using namespace clang::dist;

// CLANG_DIST_VERSION is defined for this file alone
// (lib/Protocol/CMakeLists.txt).
llvm::StringRef clang::dist::clangDistVersion() { return CLANG_DIST_VERSION; }

std::string clang::dist::versionLine(llvm::StringRef Program) {
  return (Program + " version " + clangDistVersion() + " (protocol " +
          llvm::Twine(ProtocolVersion) + ")")
      .str();
}
