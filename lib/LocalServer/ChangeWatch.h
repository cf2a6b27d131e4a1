//===- LocalServer/ChangeWatch.h - Changed paths ----------------*- C++ -*-===//
//
// An answer about a path, once checked against the disk, stays true until
// something happens to the path: to the file, or to a directory on the way
// to it. inotify watches on those directories report such events, so that
// a check need not stat every file a compile used, once per compile: it
// stats only what an event touched. The kernel queues an event before the
// call that made it returns, so a change made before a check is drained by
// the check.
//
// inotify does not see what another machine does to a network file system,
// nor writes through a shared mapping: paths on a file system not known to
// be local are never trusted, and are checked by stat every time.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_CHANGEWATCH_H
#define CLANG_DIST_LOCALSERVER_CHANGEWATCH_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace clang::dist {

class ChangeWatch {
public:
  /// A moment in the watch's history; 0 stands for "not watched".
  using Generation = uint64_t;

  /// Without inotify every path is reported as possibly changed.
  ChangeWatch();
  ~ChangeWatch();
  ChangeWatch(const ChangeWatch &) = delete;
  ChangeWatch &operator=(const ChangeWatch &) = delete;

  /// Watches the directories on the way to \p Path, an absolute path without
  /// empty components ("." and ".." are steps like any other: the watch of
  /// "/a/l/.." is the parent of wherever "/a/l" leads). Returns the moment
  /// from which on a change to \p Path will be seen (look at the path after
  /// this returns), or 0 if it cannot be watched.
  Generation watch(llvm::StringRef Path);

  /// Now: a change after this returns will be seen in watched directories.
  Generation now();

  struct WatchedPath {
    llvm::StringRef Path;
    /// What watch() returned for it.
    Generation Since = 0;
  };
  /// For each of \p Paths, whether something may have happened to it since
  /// it was watched: always if it was not (Since is 0).
  std::vector<bool> mayHaveChanged(llvm::ArrayRef<WatchedPath> Paths);

private:
  void drainLocked();
  /// The last event on \p Path or on a directory on the way to it, with
  /// those of the directories found before in \p OnTheWay.
  Generation lastEventLocked(llvm::StringRef Path,
                             llvm::StringMap<Generation> &OnTheWay) const;
  /// Stops watching the directories below \p Entry, which was renamed,
  /// removed or created: their spellings may now name other directories.
  void forgetBelow(llvm::StringRef Entry);

  std::mutex Mutex;
  int Fd = -1;
  Generation Now = 1;
  /// Events before this may have been lost (the queue overflowed).
  Generation LostBefore = 0;
  /// Directories watched, and every spelling of each watch's directory.
  llvm::StringMap<int> Watched;
  llvm::DenseMap<int, std::vector<std::string>> Spellings;
  /// The last moment each path had an event: an entry of a watched
  /// directory, or the directory itself.
  llvm::StringMap<Generation> Touched;
  /// The last moment any path had one.
  Generation LastTouched = 0;
};

} // namespace clang::dist

#endif
