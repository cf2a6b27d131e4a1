//===- Protocol/Compression.h - zstd for blobs on the wire ------*- C++ -*-===//

#ifndef CLANG_DIST_PROTOCOL_COMPRESSION_H
#define CLANG_DIST_PROTOCOL_COMPRESSION_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <string>

namespace clang::dist {

/// Level 1: preprocessed C++ compresses ~6-7x at ~500 MB/s; higher levels
/// buy a few percent for several times the CPU (levels 1 and 3 measured at
/// ~500-630 and ~400-500 MB/s, level 9 five to six times slower).
inline constexpr int DefaultCompressionLevel = 1;

std::string compress(llvm::StringRef Data, int Level = DefaultCompressionLevel);

/// Fails unless \p Compressed is one zstd frame of exactly \p RawSize bytes,
/// so a lying peer cannot make us allocate more than it declared.
llvm::Expected<std::string> decompress(llvm::StringRef Compressed,
                                       uint64_t RawSize);

} // namespace clang::dist

#endif
