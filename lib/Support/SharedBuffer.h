//===- Support/SharedBuffer.h - A buffer over shared bytes ------*- C++ -*-===//
//
// Clang's source manager keeps the buffers a file system hands it for as long
// as the translation unit lives, while the cache or the job that loaded the
// bytes may let go of them first. A SharedBuffer shares them instead of
// copying them.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_SHAREDBUFFER_H
#define CLANG_DIST_SUPPORT_SHAREDBUFFER_H

#include "llvm/Support/MemoryBuffer.h"
#include <memory>
#include <string>

namespace clang::dist {

class SharedBuffer : public llvm::MemoryBuffer {
public:
  /// \p Bytes, null-terminated, are kept alive by \p Owner.
  SharedBuffer(std::shared_ptr<const void> Owner, llvm::StringRef Bytes,
               llvm::StringRef Name)
      : Owner(std::move(Owner)), Name(Name.str()) {
    init(Bytes.begin(), Bytes.end(), /*RequiresNullTerminator=*/true);
  }
  llvm::StringRef getBufferIdentifier() const override { return Name; }
  BufferKind getBufferKind() const override { return MemoryBuffer_Malloc; }

private:
  std::shared_ptr<const void> Owner;
  std::string Name;
};

} // namespace clang::dist

#endif
