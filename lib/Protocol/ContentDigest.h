//===- Protocol/ContentDigest.h - Names of file contents --------*- C++ -*-===//
//
// In the sources mode a file travels as the digest of its contents, and a
// worker's blob cache, shared by everyone who uses the worker, is keyed by it:
// two different contents with one digest would compile one user's code with
// another's header. BLAKE3 is collision-resistant and, at several GB/s, cheap
// enough to digest every header a build reads.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_PROTOCOL_CONTENTDIGEST_H
#define CLANG_DIST_PROTOCOL_CONTENTDIGEST_H

#include "llvm/ADT/StringRef.h"
#include <array>
#include <cstdint>
#include <string>

namespace clang::dist {

using ContentDigest = std::array<uint8_t, 32>;

ContentDigest digestContents(llvm::StringRef Data);

/// Lower-case hex, as file names and logs spell it.
std::string toHex(const ContentDigest &D);

} // namespace clang::dist

#endif
