//===- ResultCache/Entry.h - A compile's result, as cached ------*- C++ -*-===//
//
// An entry is what a hit gives the job instead of a worker's compile: the
// exit code, the diagnostics (warnings are replayed byte for byte, colours
// as the arguments asked) and the outputs, sealed (ResultCache/Seal.h).
// OutputFiles checks its outputs against the job as it checks a worker's.
//
// The user's own store keeps the outputs as they are written: decompressing
// a hit's object was a quarter of the server's CPU per hit, and a hit is
// what the cache exists to make cheap. A team's store keeps them compressed
// as a worker sent them, a quarter of the bytes across the network.
//
// Body, little-endian: i32 exit code; u32 length and the diagnostics;
// u32 outputs, each: u8 kind (OutputKind), u8 0 for the bytes as they are
// or 1 for one zstd frame, u64 size written, u64 length and the bytes kept.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_ENTRY_H
#define CLANG_DIST_RESULTCACHE_ENTRY_H

#include "Protocol/Messages.h"

namespace clang::dist {

struct Entry {
  int32_t ExitCode = 0;
  std::string Diagnostics;
  std::vector<OutputBytes> Outputs;
};

/// An entry of the outputs as they are written.
std::string encodeEntry(int32_t ExitCode, llvm::StringRef Diagnostics,
                        llvm::ArrayRef<OutputBytes> Outputs);

/// An entry of the outputs compressed, as a worker sent them.
std::string encodeEntry(int32_t ExitCode, llvm::StringRef Diagnostics,
                        llvm::ArrayRef<OutputBlob> Outputs);

/// The entry in \p Value, its outputs as they are to be written, or an error
/// saying what is wrong with it.
llvm::Expected<Entry> decodeEntry(llvm::StringRef Value);

} // namespace clang::dist

#endif
