//===- Worker/BlobStore.cpp - A worker's cache of file contents -----------===//

#include "Worker/BlobStore.h"

using namespace clang::dist;

llvm::Expected<BlobStore> BlobStore::open(llvm::StringRef Dir, uint64_t Limit) {
  llvm::Expected<DiskStore> Files =
      DiskStore::open(Dir, Limit, "blob cache directory");
  if (!Files)
    return Files.takeError();
  return BlobStore(std::move(*Files));
}

std::unique_ptr<llvm::MemoryBuffer> BlobStore::load(const ContentDigest &D,
                                                    bool &Corrupt) const {
  std::string Key = toHex(D);
  std::unique_ptr<llvm::MemoryBuffer> Buffer = Files.load(Key);
  if (Buffer && digestContents(Buffer->getBuffer()) != D) {
    Corrupt = true;
    Files.remove(Key);
    return nullptr;
  }
  return Buffer;
}
