//===- Worker/BlobStore.h - A worker's cache of file contents ---*- C++ -*-===//
//
// The contents the sources mode ships, kept on disk by digest so that a header
// crosses the network once per worker machine, not once per translation unit:
// every slot process of a clang-dist-worker shares one directory (a
// DiskStore, held to a size limit). Contents are checked against their digest
// when they arrive and again on every load, so a blob damaged in transit or
// on disk is never compiled; a damaged file is removed and asked for again.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_BLOBSTORE_H
#define CLANG_DIST_WORKER_BLOBSTORE_H

#include "Protocol/ContentDigest.h"
#include "Support/DiskStore.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <memory>
#include <string>

namespace clang::dist {

class BlobStore {
public:
  /// Opens \p Dir, creating it as a private directory, to hold at most
  /// \p Limit bytes of contents.
  static llvm::Expected<BlobStore> open(llvm::StringRef Dir, uint64_t Limit);

  /// The contents named \p D, null-terminated; null if the store does not
  /// have them. Contents that do not match \p D are removed, and \p Corrupt
  /// is set.
  std::unique_ptr<llvm::MemoryBuffer> load(const ContentDigest &D,
                                           bool &Corrupt) const;

  /// Keeps \p Contents, which the caller has checked against \p D, then
  /// evicts down to the limit if the store has grown past it.
  llvm::Error store(const ContentDigest &D, llvm::StringRef Contents) const {
    return Files.store(toHex(D), Contents);
  }

  /// Evicts least recently used blobs until at most 3/4 of the limit is
  /// used, and recounts the size.
  void trim() const { Files.trim(); }

  /// The bytes of contents kept, as the slots counted them.
  uint64_t bytes() const { return Files.bytes(); }

  const std::string &directory() const { return Files.directory(); }

private:
  explicit BlobStore(DiskStore Files) : Files(std::move(Files)) {}

  DiskStore Files;
};

} // namespace clang::dist

#endif
