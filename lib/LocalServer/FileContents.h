//===- LocalServer/FileContents.h - One version of one file -----*- C++ -*-===//
//
// The bytes of a file as the shared file cache read them, with what the
// sources mode derives from them: the digest that names them on the wire and
// the compressed copy a slave asks for. Each is computed at most once, by the
// first thread that needs it, however many slaves ask; contents never change,
// so neither does anything derived from them.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_FILECONTENTS_H
#define CLANG_DIST_LOCALSERVER_FILECONTENTS_H

#include "Protocol/ContentDigest.h"
#include "llvm/Support/MemoryBuffer.h"
#include <memory>
#include <mutex>

namespace clang::dist {

class FileContents {
public:
  explicit FileContents(std::unique_ptr<llvm::MemoryBuffer> Buffer)
      : Buffer(std::move(Buffer)) {}

  /// Null-terminated, as clang's lexer needs.
  const llvm::MemoryBuffer &buffer() const { return *Buffer; }
  llvm::StringRef bytes() const { return Buffer->getBuffer(); }

  const ContentDigest &digest();
  const std::string &compressed();

private:
  std::unique_ptr<llvm::MemoryBuffer> Buffer;
  std::once_flag DigestOnce, CompressedOnce;
  ContentDigest Digest{};
  std::string Compressed;
};

/// Why a _Pragma operator in \p Text would act while includes are resolved,
/// or "" if none does: _Pragma("once"), push_macro, pop_macro, poison and
/// system_header change what later directives see.
std::string includeTimePragma(llvm::StringRef Text);

} // namespace clang::dist

#endif
