//===- LocalServer/FileCache.h - One file cache for all translation units -*-
// C++ -*-===//
//
// Preprocessing reads the same headers for every translation unit of a build.
// The cache keeps their contents in memory, shared by all threads; each
// translation unit gets a FileManager of its own over a view of it, because
// one shared FileManager serves grown headers truncated, never sees new ones
// and spells paths by whoever saw them first (FIELD-NOTES).
//
// Invalidation: every open stats the file (one syscall, where a plain read
// costs open, fstat, read and close) and uses the cached contents only if
// inode, size and modification time are unchanged. A header that changes or
// appears between two compiles is therefore always seen. A file modified in
// the last two seconds is not cached at all: timestamps advance in ticks, so a
// second write within one tick would keep size and mtime.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_FILECACHE_H
#define CLANG_DIST_LOCALSERVER_FILECACHE_H

#include "llvm/ADT/IntrusiveRefCntPtr.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"
#include <memory>
#include <mutex>

namespace clang::dist {

class SharedFileCache {
public:
  /// When the contents exceed \p ByteLimit the cache starts over.
  explicit SharedFileCache(uint64_t ByteLimit = 1ull << 30)
      : Limit(ByteLimit) {}

  /// A file system for one translation unit: the real one, with relative
  /// paths resolved against \p WorkingDir and file contents from the cache.
  /// Each view has its own working directory; the process's is never used.
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>
  viewFor(llvm::StringRef WorkingDir);

  struct Statistics {
    uint64_t Hits = 0;
    uint64_t Misses = 0;
    uint64_t Bytes = 0;
  };
  Statistics statistics() const;

  /// Contents of \p AbsolutePath if the cached copy matches \p Current.
  std::shared_ptr<llvm::MemoryBuffer> lookup(llvm::StringRef AbsolutePath,
                                             const llvm::vfs::Status &Current);
  void insert(llvm::StringRef AbsolutePath, const llvm::vfs::Status &Read,
              std::shared_ptr<llvm::MemoryBuffer> Contents);

private:
  struct Entry {
    llvm::sys::fs::UniqueID ID;
    uint64_t Size;
    llvm::sys::TimePoint<> ModificationTime;
    std::shared_ptr<llvm::MemoryBuffer> Contents;
  };

  mutable std::mutex Mutex;
  llvm::StringMap<Entry> Entries;
  uint64_t Limit;
  Statistics Stats;
};

} // namespace clang::dist

#endif
