//===- ResultCache/Entry.h - A compile's result, as cached ------*- C++ -*-===//
//
// An entry is what a hit gives the job instead of a worker's compile: the
// exit code, the diagnostics (warnings are replayed byte for byte, colours
// as the arguments asked) and the outputs, compressed as a worker sends
// them. It is a CompileResult message, sealed (ResultCache/Seal.h): the
// protocol's decoder, which refuses whatever a hostile worker could send,
// reads it, and OutputFiles checks its outputs against the job as it checks
// a worker's.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_ENTRY_H
#define CLANG_DIST_RESULTCACHE_ENTRY_H

#include "Protocol/Messages.h"

namespace clang::dist {

/// \p Result as an entry: only what the client gets of it.
std::string encodeEntry(const CompileResult &Result);

/// The result in \p Value, or an error saying what is wrong with it.
llvm::Expected<CompileResult> decodeEntry(llvm::StringRef Value);

} // namespace clang::dist

#endif
