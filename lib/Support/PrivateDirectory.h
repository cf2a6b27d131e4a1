//===- Support/PrivateDirectory.h - A directory only we can use -*- C++ -*-===//
//
// The runtime directory of a local server and the blob cache of a worker sit
// under /tmp by default, where anyone could have created the path first: a
// socket or a blob planted there by someone else would receive our sources
// or be compiled into our objects.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_PRIVATEDIRECTORY_H
#define CLANG_DIST_SUPPORT_PRIVATEDIRECTORY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace clang::dist {

/// Creates \p Dir with mode 0700 if it is missing. Fails, with an error that
/// names the path and calls it \p What, if it is not a directory (a symbolic
/// link is not followed), another user owns it, or anyone else may write to
/// it.
llvm::Error openPrivateDirectory(llvm::StringRef Dir, llvm::StringRef What);

} // namespace clang::dist

#endif
