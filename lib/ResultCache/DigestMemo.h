//===- ResultCache/DigestMemo.h - File digests across servers ---*- C++ -*-===//
//
// A lookup in the result cache compares the digest of every file a compile
// read with what the disk holds now. A server learns those digests once per
// file version, but each build may start a new server (a server exits when
// idle), which would read and digest every header of the build again. The
// memo keeps, across servers, each file's digest with the stamp it had when
// it was read (Support/FileStamp.h), as ccache's manifests keep each file's
// stat: a file whose stamp is unchanged is not read again.
//
// Never wrong: a digest is trusted only when every field of the stamp
// matches (a rename gives a new inode; an edit a new change time, which no
// one can set back), and only stamps that were settled when the file was
// read are kept (a file changed within the timestamps' tick before the read
// could change again without its stamp moving). The caller says which reads
// were settled, and keeps out files on file systems whose stamps may be
// stale (network file systems).
//
// One file per user, in the local result cache's directory, read and
// written by every server of the user: a server reads it at its first
// lookup, and at exit writes what it learned merged with what the others
// wrote meanwhile, under a lock of its own, replacing the file whole. A
// damaged file is ignored, never trusted in part.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_DIGESTMEMO_H
#define CLANG_DIST_RESULTCACHE_DIGESTMEMO_H

#include "Protocol/ContentDigest.h"
#include "Support/FileStamp.h"
#include "Support/Log.h"
#include "llvm/ADT/StringMap.h"
#include <mutex>
#include <optional>

namespace clang::dist {

class DigestMemo {
public:
  /// Files beyond this many, those used least recently, are not written.
  static constexpr size_t MaxEntries = 1u << 17;
  /// A file not used for this long is dropped.
  static constexpr std::chrono::hours MaxAge{24 * 30};

  struct Entry {
    FileStamp Stamp;
    ContentDigest Digest{};
    /// Seconds since the epoch, refreshed at most once a day: a server that
    /// only reuses what it read writes nothing.
    int64_t UsedAt = 0;
    friend bool operator==(const Entry &, const Entry &) = default;
  };
  using Entries = llvm::StringMap<Entry>;

  /// The memo kept in \p Path, read at its first use. Logs to \p Log what it
  /// finds damaged and what it writes.
  DigestMemo(std::string Path, Logger &Log);
  ~DigestMemo();

  /// The digest of the file at \p Path, if it was read when it had \p Now.
  std::optional<ContentDigest> find(llvm::StringRef Path, const FileStamp &Now);

  /// The file at \p Path (absolute) had \p Read, settled, when it was read,
  /// and held what \p Digest names.
  void learn(llvm::StringRef Path, const FileStamp &Read,
             const ContentDigest &Digest);

  /// Writes what was learned since the file was read, merged with what it
  /// holds now; nothing if nothing was.
  void save();

  struct Counts {
    /// Read from the file.
    uint64_t Loaded = 0;
    /// Digests found, and learned.
    uint64_t Reused = 0;
    uint64_t Learned = 0;
  };
  Counts counts() const;

  /// The file's bytes for \p E, and what they say: an error for a damaged
  /// or foreign file.
  static std::string encode(const Entries &E);
  static llvm::Expected<Entries> decode(llvm::StringRef Bytes);

  /// \p Into with \p Other's entries of paths it does not have, or used more
  /// recently; then without entries older than MaxAge before \p Now
  /// (seconds since the epoch), and at most MaxEntries.
  static void merge(Entries &Into, const Entries &Other, int64_t Now);

private:
  void loadLocked();

  std::string Path;
  Logger &Log;
  mutable std::mutex Mutex;
  bool Loaded = false;
  bool Dirty = false;
  Entries Known;
  Counts Count;
};

} // namespace clang::dist

#endif
