//===- Support/PrivateFile.h - A file only its owner may read ---*- C++ -*-===//
//
// Secrets come from files, not command lines (which every user of the
// machine can read in /proc): the farm's secret, a Redis password. Such a
// file must be the user's own, and readable by nobody else, or it is
// refused: a secret others could read is no secret.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_PRIVATEFILE_H
#define CLANG_DIST_SUPPORT_PRIVATEFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <string>

namespace clang::dist {

/// The text of \p Path without its trailing whitespace (the editor's or
/// echo's), or an error naming it as \p What ("secret file"): it cannot be
/// read, is another user's, may be read by others, or holds nothing else.
llvm::Expected<std::string> readPrivateFile(llvm::StringRef Path,
                                            llvm::StringRef What);

} // namespace clang::dist

#endif
