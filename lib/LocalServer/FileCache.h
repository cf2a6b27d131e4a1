//===- LocalServer/FileCache.h - The files, cached --------------*- C++ -*-===//
//
// Preprocessing reads the same headers for every translation unit of a build.
// The cache keeps their contents in memory, shared by all threads; each
// translation unit gets a FileManager of its own over a view of it, because
// one shared FileManager serves grown headers truncated, never sees new ones
// and spells paths by whoever saw them first (docs/ARCHITECTURE.md, "Why
// it is built this way").
//
// Invalidation: every open stats the file (one syscall, where a plain read
// costs open, fstat, read and close) and uses the cached contents only if
// device, inode, size, modification time and change time are unchanged. The
// change time matters: a file rewritten in place with its old size and its
// mtime set back (touch -d, tar, rsync -t) differs in nothing else, and no
// one can set it back. A header that changes or appears between two compiles
// is therefore always seen. A file changed in the last two seconds is not
// cached at all: timestamps advance in ticks, so a second write within one
// tick would keep them.
//
// Most paths a preprocessor looks at do not exist: each #include is tried in
// every directory of the search path until one has it. A directory's listing
// is cached too, validated the same way by the directory's own stamp (adding,
// removing or renaming an entry changes it), so a translation unit stats each
// directory once and answers "not there" from memory.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_FILECACHE_H
#define CLANG_DIST_LOCALSERVER_FILECACHE_H

#include "LocalServer/FileContents.h"
#include "Protocol/Messages.h"
#include "Support/FileStamp.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/IntrusiveRefCntPtr.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/VirtualFileSystem.h"
#include <memory>
#include <mutex>

namespace clang::dist {

/// The contents behind each file a view opened, by absolute path as
/// spelled: what the sources mode tells a worker a file holds; and by the
/// address of their bytes, which is where the buffer clang lexes starts. One
/// thread at a time.
struct OpenedFiles {
  llvm::StringMap<std::shared_ptr<FileContents>> Contents;
  llvm::DenseMap<const char *, std::shared_ptr<FileContents>> ByBuffer;
};

class SharedFileCache {
public:
  /// When the contents exceed \p ByteLimit the cache starts over. A file
  /// changed less than \p RacyWindow ago is not cached: far longer than any
  /// file system's timestamp granularity.
  explicit SharedFileCache(
      uint64_t ByteLimit = 1ull << 30,
      std::chrono::nanoseconds RacyWindow = std::chrono::seconds(2));
  ~SharedFileCache();

  std::chrono::nanoseconds racyWindow() const { return RacyWindow; }

  /// A file system for one translation unit: the real one, with relative
  /// paths resolved against \p WorkingDir and file contents from the cache.
  /// Each view has its own working directory; the process's is never used.
  /// With \p Opened, the view records in it the files it opened.
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>
  viewFor(llvm::StringRef WorkingDir, OpenedFiles *Opened = nullptr);

  struct Statistics {
    uint64_t Hits = 0;
    uint64_t Misses = 0;
    uint64_t Bytes = 0;
    /// Lookups of a missing path answered from a directory listing.
    uint64_t AbsentFromListings = 0;
  };
  Statistics statistics() const;

  /// Contents of \p AbsolutePath if the cached copy matches \p Current.
  std::shared_ptr<FileContents> lookup(llvm::StringRef AbsolutePath,
                                      const FileStamp &Current);
  void insert(llvm::StringRef AbsolutePath, const FileStamp &Read,
              std::shared_ptr<FileContents> Contents);

  /// Whether directory \p Dir, which has \p DirStamp now, certainly has no
  /// entry \p Name: from a listing read when it had that same stamp. False
  /// when unsure (the directory changed too recently to be listed).
  bool knownAbsent(llvm::StringRef Dir, const FileStamp &DirStamp,
                   llvm::StringRef Name);

private:
  struct Entry {
    FileStamp Stamp;
    std::shared_ptr<FileContents> Contents;
  };

  struct Listing {
    FileStamp Stamp;
    llvm::StringSet<> Names;
  };

  /// The disk, asked only about absolute paths: shared by all views, which
  /// resolve relative paths themselves.
  std::unique_ptr<llvm::vfs::FileSystem> Real;
  mutable std::mutex Mutex;
  llvm::StringMap<Entry> Entries;
  llvm::StringMap<Listing> Listings;
  uint64_t Limit;
  std::chrono::nanoseconds RacyWindow;
  Statistics Stats;
};

/// What a path is now, as a view of the cache sees it.
struct PathLookup {
  PathInfo Info;
  /// File: what it holds.
  std::shared_ptr<FileContents> Contents;
  /// Unavailable only for now: the server was out of descriptors or memory.
  bool Transient = false;
};

/// What \p Path (absolute) is now, as \p View (which records in \p Opened)
/// sees it: what the sources mode answers a worker, and what the result
/// cache compares with what a compile found.
PathLookup lookUpPath(llvm::vfs::FileSystem &View, OpenedFiles &Opened,
                      const std::string &Path);

} // namespace clang::dist

#endif
