//===- Support/FileStamp.h - What says a file is the same one ---*- C++ -*-===//
//
// A file read once need not be read again while its stamp holds: device,
// inode, size, modification time and change time. The change time matters:
// a file rewritten in place with its old size and its mtime set back (touch
// -d, tar, rsync -t) differs in nothing else, and no one can set it back.
//
// Timestamps advance in ticks, so a file written again within the tick of
// its last change keeps its stamp (git's "racy" files): only a read made
// well after the file's last change may be trusted by its stamp later.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_FILESTAMP_H
#define CLANG_DIST_SUPPORT_FILESTAMP_H

#include "llvm/Support/FileSystem/UniqueID.h"
#include <chrono>
#include <sys/stat.h>

namespace clang::dist {

struct FileStamp {
  llvm::sys::fs::UniqueID ID;
  uint64_t Size = 0;
  std::chrono::nanoseconds ModificationTime{0};
  std::chrono::nanoseconds ChangeTime{0};
  friend bool operator==(const FileStamp &, const FileStamp &) = default;
};

FileStamp stampOf(const struct stat &St);

/// Whether \p Stamp, seen now, may still change without its times moving:
/// the file changed less than \p Window ago.
bool isRacy(const FileStamp &Stamp, std::chrono::nanoseconds Window);

/// Whether every change to the file system of \p Path goes through this
/// kernel, so that its stamps and inotify's events tell all: not a network
/// file system, whose attributes a stat may give from a stale cache.
bool isLocalFileSystem(const char *Path);

} // namespace clang::dist

#endif
