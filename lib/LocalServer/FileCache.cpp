//===- LocalServer/FileCache.cpp - The files, cached for a build ----------===//
//-===//

#include "LocalServer/FileCache.h"
#include "Support/SharedBuffer.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Chrono.h"
#include "llvm/Support/Path.h"
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

using namespace clang::dist;

namespace {

class CachedFile : public llvm::vfs::File {
public:
  CachedFile(llvm::vfs::Status St, std::shared_ptr<FileContents> Contents)
      : St(std::move(St)), Contents(std::move(Contents)) {}
  llvm::ErrorOr<llvm::vfs::Status> status() override { return St; }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>>
  getBuffer(const llvm::Twine &Name, int64_t, bool, bool) override {
    return std::make_unique<SharedBuffer>(Contents, Contents->bytes(),
                                          Name.str());
  }
  std::error_code close() override { return {}; }

private:
  llvm::vfs::Status St;
  std::shared_ptr<FileContents> Contents;
};

/// What the real file system's status() would say, from the same stat.
llvm::vfs::Status regularFileStatus(llvm::StringRef Name,
                                    const struct stat &St) {
  return llvm::vfs::Status(
      Name, llvm::sys::fs::UniqueID(St.st_dev, St.st_ino),
      llvm::sys::toTimePoint(St.st_mtim.tv_sec, St.st_mtim.tv_nsec),
      St.st_uid, St.st_gid, St.st_size, llvm::sys::fs::file_type::regular_file,
      llvm::sys::fs::perms(St.st_mode & llvm::sys::fs::all_perms));
}

/// A view: paths made absolute against its own working directory, and only
/// absolute ones handed to the physical file system all views share. A
/// physical file system of its own per view would resolve its working
/// directory's real path when made, a readlink per component each time.
class CachingFileSystem : public llvm::vfs::FileSystem {
public:
  CachingFileSystem(llvm::vfs::FileSystem &Real, std::string WorkingDir,
                    SharedFileCache &Cache, OpenedFiles *Opened)
      : Real(Real), WorkingDir(std::move(WorkingDir)), Cache(Cache),
        Opened(Opened) {}

  llvm::ErrorOr<llvm::vfs::Status> status(const llvm::Twine &Path) override {
    llvm::SmallString<256> Absolute;
    if (std::error_code EC = resolve(Path, Absolute))
      return EC;
    llvm::ErrorOr<llvm::vfs::Status> St = Real.status(Absolute);
    if (!St)
      return St;
    return llvm::vfs::Status::copyWithNewName(*St, Path.str());
  }

  llvm::vfs::directory_iterator dir_begin(const llvm::Twine &Dir,
                                          std::error_code &EC) override {
    llvm::SmallString<256> Absolute;
    if ((EC = absolute(Dir, Absolute)))
      return {};
    return Real.dir_begin(Absolute, EC);
  }

  llvm::ErrorOr<std::string> getCurrentWorkingDirectory() const override {
    return WorkingDir;
  }

  std::error_code setCurrentWorkingDirectory(const llvm::Twine &Path) override {
    llvm::SmallString<256> Absolute;
    if (std::error_code EC = absolute(Path, Absolute))
      return EC;
    llvm::ErrorOr<llvm::vfs::Status> St = Real.status(Absolute);
    if (!St)
      return St.getError();
    if (!St->isDirectory())
      return std::make_error_code(std::errc::not_a_directory);
    WorkingDir = std::string(Absolute);
    return {};
  }

  std::error_code getRealPath(const llvm::Twine &Path,
                              llvm::SmallVectorImpl<char> &Output) const override {
    llvm::SmallString<256> Absolute;
    if (std::error_code EC = absolute(Path, Absolute))
      return EC;
    return Real.getRealPath(Absolute, Output);
  }

  std::error_code isLocal(const llvm::Twine &Path, bool &Result) override {
    llvm::SmallString<256> Absolute;
    if (std::error_code EC = absolute(Path, Absolute))
      return EC;
    return Real.isLocal(Absolute, Result);
  }

  llvm::ErrorOr<std::unique_ptr<llvm::vfs::File>>
  openFileForRead(const llvm::Twine &Path) override {
    llvm::SmallString<256> Absolute;
    if (std::error_code EC = resolve(Path, Absolute))
      return EC;
    // The file manager expects the name it asked for.
    std::string Name = Path.str();
    struct stat St;
    if (::stat(Absolute.c_str(), &St) != 0)
      return std::error_code(errno, std::generic_category());
    if (!S_ISREG(St.st_mode)) {
      // Opening a FIFO would block the server until someone writes to it;
      // such a job is the client's to run.
      if (S_ISFIFO(St.st_mode))
        return std::make_error_code(std::errc::operation_not_supported);
      return Real.openFileForRead(Absolute);
    }
    if (auto Contents = Cache.lookup(Absolute, stampOf(St)))
      return open(Name, regularFileStatus(Name, St), std::move(Contents));

    int Fd = ::open(Absolute.c_str(), O_RDONLY | O_CLOEXEC);
    if (Fd < 0)
      return std::error_code(errno, std::generic_category());
    struct stat Read;
    if (::fstat(Fd, &Read) != 0 || !S_ISREG(Read.st_mode)) {
      ::close(Fd);
      return std::make_error_code(std::errc::io_error);
    }
    // Volatile: read into memory, never mmap, so a file rewritten in place
    // cannot change (or fault) under the cached copy.
    auto Buffer = llvm::MemoryBuffer::getOpenFile(
        Fd, Name, Read.st_size, /*RequiresNullTerminator=*/true,
        /*IsVolatile=*/true);
    ::close(Fd);
    if (!Buffer)
      return Buffer.getError();
    // File timestamps advance in kernel ticks, so a file written again within
    // the tick of its last change keeps its times (git's "racy" files). Only a
    // file whose last change lies safely in the past can be validated by its
    // stamp later.
    std::optional<FileStamp> Settled;
    if (!isRacy(stampOf(Read), Cache.racyWindow()))
      Settled = stampOf(Read);
    auto Contents = std::make_shared<FileContents>(std::move(*Buffer), Settled);
    if (Settled)
      Cache.insert(Absolute, *Settled, Contents);
    return open(Name, regularFileStatus(Name, Read), std::move(Contents));
  }

private:
  /// \p Path made absolute against this view's working directory.
  std::error_code absolute(const llvm::Twine &Path,
                           llvm::SmallString<256> &Absolute) const {
    Path.toVector(Absolute);
    return makeAbsolute(Absolute);
  }

  /// \p Path made absolute; or no_such_file_or_directory without asking the
  /// disk, when the listing of its directory says so.
  std::error_code resolve(const llvm::Twine &Path,
                          llvm::SmallString<256> &Absolute) {
    if (std::error_code EC = absolute(Path, Absolute))
      return EC;
    if (knownAbsent(Absolute))
      return std::make_error_code(std::errc::no_such_file_or_directory);
    return {};
  }

  /// From the cached listing of its directory, stat'ed once per view: a
  /// view serves one translation unit, which clang's own file manager would
  /// not stat twice either.
  bool knownAbsent(llvm::StringRef Absolute) {
    llvm::StringRef Dir = llvm::sys::path::parent_path(Absolute);
    llvm::StringRef Name = llvm::sys::path::filename(Absolute);
    if (Dir.empty() || Name == "." || Name == ".." ||
        Name.size() != Absolute.size() - Dir.size() - 1)
      return false;
    auto [It, New] = DirStamps.try_emplace(Dir);
    if (New) {
      struct stat St;
      if (::stat(It->first().str().c_str(), &St) == 0 && S_ISDIR(St.st_mode))
        It->second = stampOf(St);
    }
    return It->second && Cache.knownAbsent(Dir, *It->second, Name);
  }

  std::unique_ptr<llvm::vfs::File>
  open(const std::string &Name, const llvm::vfs::Status &St,
       std::shared_ptr<FileContents> Contents) {
    if (Opened)
      record(Name, Contents);
    return std::make_unique<CachedFile>(
        llvm::vfs::Status::copyWithNewName(St, Name), std::move(Contents));
  }

  void record(const std::string &Name, std::shared_ptr<FileContents> Contents) {
    Opened->ByBuffer[Contents->bytes().data()] = Contents;
    llvm::SmallString<256> Absolute;
    if (!absolute(Name, Absolute))
      Opened->Contents[Absolute] = std::move(Contents);
  }

  llvm::vfs::FileSystem &Real;
  std::string WorkingDir;
  SharedFileCache &Cache;
  OpenedFiles *Opened;
  /// Directories by path as spelled: their stamp, or none if not one.
  llvm::StringMap<std::optional<FileStamp>> DirStamps;
};

} // namespace

SharedFileCache::SharedFileCache(uint64_t ByteLimit,
                                 std::chrono::nanoseconds RacyWindow)
    : Real(llvm::vfs::createPhysicalFileSystem()), Limit(ByteLimit),
      RacyWindow(RacyWindow) {}

SharedFileCache::~SharedFileCache() = default;

llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>
SharedFileCache::viewFor(llvm::StringRef WorkingDir, OpenedFiles *Opened) {
  return llvm::makeIntrusiveRefCnt<CachingFileSystem>(*Real, WorkingDir.str(),
                                                      *this, Opened);
}

std::shared_ptr<FileContents>
SharedFileCache::lookup(llvm::StringRef AbsolutePath,
                        const FileStamp &Current) {
  std::lock_guard<std::mutex> Lock(Mutex);
  auto It = Entries.find(AbsolutePath);
  if (It == Entries.end() || !(It->second.Stamp == Current)) {
    ++Stats.Misses;
    return nullptr;
  }
  ++Stats.Hits;
  return It->second.Contents;
}

void SharedFileCache::insert(llvm::StringRef AbsolutePath,
                             const FileStamp &Read,
                             std::shared_ptr<FileContents> Contents) {
  std::lock_guard<std::mutex> Lock(Mutex);
  uint64_t Size = Contents->bytes().size();
  if (Stats.Bytes + Size > Limit) {
    Entries.clear();
    Stats.Bytes = 0;
  }
  Entry &E = Entries[AbsolutePath];
  if (E.Contents)
    Stats.Bytes -= E.Contents->bytes().size();
  E = Entry{Read, std::move(Contents)};
  Stats.Bytes += Size;
}

bool SharedFileCache::knownAbsent(llvm::StringRef Dir,
                                  const FileStamp &DirStamp,
                                  llvm::StringRef Name) {
  {
    std::lock_guard<std::mutex> Lock(Mutex);
    auto It = Listings.find(Dir);
    if (It != Listings.end() && It->second.Stamp == DirStamp) {
      bool Absent = !It->second.Names.contains(Name);
      Stats.AbsentFromListings += Absent;
      return Absent;
    }
  }
  if (isRacy(DirStamp, RacyWindow))
    return false;
  Listing Read;
  std::string Path = Dir.str();
  DIR *D = ::opendir(Path.c_str());
  if (!D)
    return false;
  // readdir ends a failed listing as it ends a complete one: only errno
  // tells them apart, and a partial listing must not be kept.
  errno = 0;
  while (const dirent *E = ::readdir(D))
    Read.Names.insert(E->d_name);
  int ListError = errno;
  ::closedir(D);
  if (ListError)
    return false;
  // The listing belongs to the stamp only if nothing changed meanwhile.
  struct stat After;
  if (::stat(Path.c_str(), &After) != 0 || !(stampOf(After) == DirStamp))
    return false;
  Read.Stamp = DirStamp;
  bool Absent = !Read.Names.contains(Name);
  std::lock_guard<std::mutex> Lock(Mutex);
  Listings[Dir] = std::move(Read);
  Stats.AbsentFromListings += Absent;
  return Absent;
}

SharedFileCache::Statistics SharedFileCache::statistics() const {
  std::lock_guard<std::mutex> Lock(Mutex);
  return Stats;
}

namespace {

/// Errors that say nothing about the path, only about this moment: the
/// server ran out of descriptors or memory under a burst of clients.
bool isTransient(std::error_code EC) {
  return EC == std::errc::too_many_files_open ||
         EC == std::errc::too_many_files_open_in_system ||
         EC == std::errc::not_enough_memory ||
         EC == std::errc::no_buffer_space ||
         EC == std::errc::resource_unavailable_try_again ||
         EC == std::errc::interrupted;
}

} // namespace

PathLookup clang::dist::lookUpPath(llvm::vfs::FileSystem &View,
                                   OpenedFiles &Opened,
                                   const std::string &Path) {
  using Kind = PathInfo::PathKind;
  PathLookup A;
  // Of a directory, the compile uses only its identity: its times change
  // with every object the build writes into it.
  auto Describe = [&](const llvm::vfs::Status &St, Kind K) {
    A.Info.Kind = K;
    A.Info.Device = St.getUniqueID().getDevice();
    A.Info.Inode = St.getUniqueID().getFile();
    if (K == Kind::Directory)
      return;
    A.Info.ModificationTime =
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            St.getLastModificationTime().time_since_epoch())
            .count();
    A.Info.Permissions = St.getPermissions();
  };
  // Opened, not stat'ed first: the view stats a path once per open, and
  // most paths a compile looks at are files or missing.
  auto File = View.openFileForRead(Path);
  if (!File) {
    A.Info.Kind =
        File.getError() == std::errc::no_such_file_or_directory ? Kind::Missing
        : File.getError() == std::errc::not_a_directory ? Kind::NotADirectory
                                                        : Kind::Unavailable;
    A.Transient = isTransient(File.getError());
    return A;
  }
  // The stamp of the read that gave the contents.
  llvm::ErrorOr<llvm::vfs::Status> St = (*File)->status();
  A.Info.Kind = Kind::Unavailable;
  if (!St)
    return A;
  if (St->isDirectory()) {
    Describe(*St, Kind::Directory);
    return A;
  }
  auto It = Opened.Contents.find(Path);
  if (!St->isRegularFile() || It == Opened.Contents.end())
    return A;
  A.Contents = It->second;
  Describe(*St, Kind::File);
  A.Info.Size = A.Contents->bytes().size();
  A.Info.Digest = A.Contents->digest();
  return A;
}
