//===- ResultCache/Seal.h - A value checked before it is used ---*- C++ -*-===//
//
// Every value the stores keep is sealed: a magic, the format's version, its
// kind and the BLAKE3 digest of its body. A truncated file, a bit flipped on
// the disk, garbage in Redis, a value of an older clang-dist: each is found
// before its body is read, and is a miss.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_SEAL_H
#define CLANG_DIST_RESULTCACHE_SEAL_H

#include "Protocol/ContentDigest.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <string>

namespace clang::dist {

enum class SealedKind : char { Manifest = 'm', Result = 'r', Digests = 'd' };

std::string seal(SealedKind Kind, llvm::StringRef Body);

/// The body of \p Value, or an error saying why it is not a sealed value of
/// \p Kind.
llvm::Expected<llvm::StringRef> unseal(SealedKind Kind, llvm::StringRef Value);

/// The key a store keeps a value of \p Kind under: its kind's letter, then
/// \p Digest in hex.
std::string storeKey(SealedKind Kind, const ContentDigest &Digest);

} // namespace clang::dist

#endif
