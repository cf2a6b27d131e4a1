//===- Support/WriteAll.h - All of a text in one descriptor -----*- C++ -*-===//
//
// A log line, a compile's diagnostics, a monitor's screen: each is written
// whole with as few write(2) calls as the kernel allows, so that writers
// sharing a descriptor do not interleave, and a signal does not cut it.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_WRITEALL_H
#define CLANG_DIST_SUPPORT_WRITEALL_H

#include "llvm/ADT/StringRef.h"
#include <cerrno>
#include <unistd.h>

namespace clang::dist {

/// Writes \p Bytes to \p Fd, going on after EINTR; stops at an error.
inline void writeAll(int Fd, llvm::StringRef Bytes) {
  while (!Bytes.empty()) {
    ssize_t N = ::write(Fd, Bytes.data(), Bytes.size());
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return;
    Bytes = Bytes.drop_front(N);
  }
}

} // namespace clang::dist

#endif
