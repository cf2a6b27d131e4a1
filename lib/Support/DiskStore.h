//===- Support/DiskStore.h - Files by key, held to a size -------*- C++ -*-===//
//
// A directory of files named by keys, shared by the processes that open it
// (the slots of a worker), held to a size limit by evicting the files least
// recently used: a load refreshes a file's mtime. A reader sees all of a
// file or none. What a file must contain is the caller's to check: a store
// of contents by digest checks the digest, and removes what does not match.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_DISKSTORE_H
#define CLANG_DIST_SUPPORT_DISKSTORE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cstdint>
#include <memory>
#include <string>

namespace clang::dist {

class DiskStore {
public:
  /// Opens \p Dir, creating it as a private directory (its errors call it
  /// \p What), to hold at most \p Limit bytes.
  static llvm::Expected<DiskStore> open(llvm::StringRef Dir, uint64_t Limit,
                                        llvm::StringRef What);

  /// The file of \p Key (at least three characters of [0-9a-z]),
  /// null-terminated; null if the store does not have it.
  std::unique_ptr<llvm::MemoryBuffer> load(llvm::StringRef Key) const;

  /// Keeps \p Contents as \p Key's file, then evicts down to the limit if
  /// the store has grown past it.
  llvm::Error store(llvm::StringRef Key, llvm::StringRef Contents) const;

  /// Removes \p Key's file: the caller found it damaged.
  void remove(llvm::StringRef Key) const;

  /// The bytes the store holds, as its processes counted them (0 if the
  /// count cannot be read). Waits for an eviction in progress.
  uint64_t bytes() const;

  /// Evicts the least recently used files until at most 3/4 of the limit is
  /// used, and recounts the size. Takes the store's lock.
  void trim() const;

  struct Removed {
    uint64_t Files = 0;
    uint64_t Bytes = 0;
  };
  /// Removes every file (clang-dist --clear-cache). Takes the store's lock.
  llvm::Expected<Removed> clear() const;

  const std::string &directory() const { return Dir; }

private:
  DiskStore(std::string Dir, uint64_t Limit)
      : Dir(std::move(Dir)), Limit(Limit) {}
  std::string pathOf(llvm::StringRef Key) const;
  void trimLocked(int LockFd) const;

  std::string Dir;
  uint64_t Limit;
};

} // namespace clang::dist

#endif
