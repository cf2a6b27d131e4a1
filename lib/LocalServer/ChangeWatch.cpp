//===- LocalServer/ChangeWatch.cpp - Paths that may have changed ----------===//

#include "LocalServer/ChangeWatch.h"
#include "Support/FileStamp.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include <cerrno>
#include <climits>
#include <sys/inotify.h>
#include <unistd.h>

using namespace clang::dist;

namespace {

constexpr uint32_t Events = IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
                            IN_DELETE_SELF | IN_MODIFY | IN_MOVE_SELF |
                            IN_MOVED_FROM | IN_MOVED_TO;

/// "/a/b/c" -> "/", "/a", "/a/b": every directory the kernel walks through
/// to find the path, as spelled. A ".." component is one more step of the
/// walk, from the directory before it, so "/a/l/../b" depends on "/a/l"
/// (a link, perhaps) and on "/a/l/.." as much as on "/a/l/../b". False for a
/// relative path or an empty component.
bool directoriesOf(llvm::StringRef Path,
                   llvm::SmallVectorImpl<llvm::StringRef> &Dirs) {
  if (!Path.startswith("/") || Path.size() < 2 || Path.endswith("/"))
    return false;
  Dirs.push_back("/");
  for (size_t Slash = Path.find('/', 1); Slash != llvm::StringRef::npos;
       Slash = Path.find('/', Slash + 1))
    Dirs.push_back(Path.take_front(Slash));
  llvm::StringRef Rest = Path.drop_front();
  while (!Rest.empty()) {
    auto [Name, Tail] = Rest.split('/');
    if (Name.empty())
      return false;
    Rest = Tail;
  }
  return true;
}

} // namespace

ChangeWatch::ChangeWatch() : Fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}

ChangeWatch::~ChangeWatch() {
  if (Fd >= 0)
    ::close(Fd);
}

void ChangeWatch::drainLocked() {
  alignas(inotify_event) char Buffer[64 * 1024];
  for (;;) {
    ssize_t Read = ::read(Fd, Buffer, sizeof(Buffer));
    if (Read <= 0)
      return;
    ++Now;
    for (char *P = Buffer; P < Buffer + Read;) {
      auto *E = reinterpret_cast<inotify_event *>(P);
      P += sizeof(inotify_event) + E->len;
      if (E->mask & IN_Q_OVERFLOW) {
        LostBefore = Now;
        continue;
      }
      auto It = Spellings.find(E->wd);
      if (It == Spellings.end())
        continue;
      std::vector<std::string> Dirs = It->second;
      LastTouched = Now;
      for (const std::string &Dir : Dirs) {
        if (E->len == 0) {
          Touched[Dir] = Now;
          continue;
        }
        std::string Entry = Dir == "/" ? "" : Dir;
        Entry += '/';
        Entry += E->name;
        Touched[Entry] = Now;
        if (E->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))
          forgetBelow(Entry);
      }
      // The directory itself went away or elsewhere: its spellings may name
      // another one later.
      if (E->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        for (const std::string &Dir : Dirs) {
          forgetBelow(Dir == "/" ? "" : Dir);
          Watched.erase(Dir);
        }
        ::inotify_rm_watch(Fd, E->wd);
        Spellings.erase(E->wd);
      }
    }
  }
}

void ChangeWatch::forgetBelow(llvm::StringRef Entry) {
  std::string Prefix = Entry.str() + "/";
  llvm::SmallVector<llvm::StringRef, 4> Gone;
  for (const auto &[Dir, Wd] : Watched)
    if (llvm::StringRef(Dir).startswith(Prefix))
      Gone.push_back(Dir);
  for (llvm::StringRef Dir : Gone) {
    int Wd = Watched.lookup(Dir);
    std::vector<std::string> &Names = Spellings[Wd];
    llvm::erase_value(Names, std::string(Dir));
    if (Names.empty()) {
      ::inotify_rm_watch(Fd, Wd);
      Spellings.erase(Wd);
    }
    Watched.erase(Dir);
  }
}

ChangeWatch::Generation ChangeWatch::watch(llvm::StringRef Path) {
  llvm::SmallVector<llvm::StringRef, 16> Dirs;
  if (Fd < 0 || !directoriesOf(Path, Dirs))
    return 0;
  std::lock_guard<std::mutex> Lock(Mutex);
  drainLocked();
  for (llvm::StringRef Dir : Dirs) {
    if (Watched.count(Dir))
      continue;
    std::string Name = Dir.str();
    int Wd = ::inotify_add_watch(Fd, Name.c_str(), Events | IN_ONLYDIR);
    if (Wd < 0) {
      // A directory that does not exist: its creation is an event of the
      // last one that does.
      if (errno == ENOENT || errno == ENOTDIR)
        break;
      return 0;
    }
    if (!isLocalFileSystem(Name.c_str())) {
      ::inotify_rm_watch(Fd, Wd);
      return 0;
    }
    Watched[Dir] = Wd;
    Spellings[Wd].push_back(std::move(Name));
  }
  return Now;
}

ChangeWatch::Generation ChangeWatch::now() {
  std::lock_guard<std::mutex> Lock(Mutex);
  if (Fd >= 0)
    drainLocked();
  return Now;
}

std::vector<bool>
ChangeWatch::mayHaveChanged(llvm::ArrayRef<WatchedPath> Paths) {
  std::vector<bool> Changed(Paths.size(), true);
  std::lock_guard<std::mutex> Lock(Mutex);
  if (Fd >= 0)
    drainLocked();
  // The paths of one call share a few dozen directories: each directory's
  // last event on the way to it is found once.
  llvm::StringMap<Generation> OnTheWay;
  for (size_t I = 0; I != Paths.size(); ++I) {
    const WatchedPath &P = Paths[I];
    if (P.Since == 0 || P.Since < LostBefore)
      continue;
    // Nothing happened anywhere since: the common case where a build writes
    // its outputs outside the watched directories.
    if (LastTouched <= P.Since) {
      Changed[I] = false;
      continue;
    }
    // As watch() takes them: absolute, no empty component.
    if (!P.Path.startswith("/") || P.Path.size() < 2 || P.Path.endswith("/") ||
        P.Path.contains("//"))
      continue;
    // An event on the path, or on a directory on the way to it (renamed,
    // removed, replaced by a link to another).
    Changed[I] = lastEventLocked(P.Path, OnTheWay) > P.Since;
  }
  return Changed;
}

ChangeWatch::Generation
ChangeWatch::lastEventLocked(llvm::StringRef Path,
                             llvm::StringMap<Generation> &OnTheWay) const {
  auto It = Touched.find(Path);
  Generation Last = It == Touched.end() ? 0 : It->second;
  // "/" itself: its entries' events are those of the paths below.
  size_t Slash = Path.rfind('/');
  if (Slash == 0 || Slash == llvm::StringRef::npos)
    return Last;
  llvm::StringRef Parent = Path.take_front(Slash);
  auto Known = OnTheWay.find(Parent);
  if (Known != OnTheWay.end())
    return std::max(Last, Known->second);
  Generation Before = lastEventLocked(Parent, OnTheWay);
  OnTheWay[Parent] = Before;
  return std::max(Last, Before);
}
