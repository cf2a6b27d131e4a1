//===- Support/DiskStore.cpp - Files by key, held to a size ---------------===//
//
// Layout: DIR/xx/KEY per file (xx: the key's first two characters), and
// DIR/lock, whose flock serializes size accounting and eviction among the
// processes and whose text is the bytes stored.
//
//===----------------------------------------------------------------------===//

#include "Support/DiskStore.h"
#include "Support/AtomicFile.h"
#include "Support/PrivateDirectory.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <cassert>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace clang::dist;

namespace {

/// A file used within this long is not touched again: LRU order needs no
/// finer grain, and a load then costs no write.
constexpr time_t TouchGrain = 60;

class LockedFile {
public:
  /// \p Operation: LOCK_EX to change the store, LOCK_SH to read its count.
  explicit LockedFile(const std::string &Path, int Operation = LOCK_EX)
      : Fd(::open(Path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (Fd >= 0 && ::flock(Fd, Operation) != 0) {
      ::close(Fd);
      Fd = -1;
    }
  }
  ~LockedFile() {
    if (Fd >= 0)
      ::close(Fd);
  }
  int fd() const { return Fd; }

private:
  int Fd;
};

uint64_t readCount(int Fd) {
  char Buf[32] = {};
  ssize_t N = ::pread(Fd, Buf, sizeof(Buf) - 1, 0);
  uint64_t V = 0;
  if (N > 0)
    llvm::StringRef(Buf, N).trim().getAsInteger(10, V);
  return V;
}

void writeCount(int Fd, uint64_t V) {
  std::string Text = std::to_string(V) + "\n";
  if (::ftruncate(Fd, 0) == 0)
    (void)!::pwrite(Fd, Text.data(), Text.size(), 0);
}

struct StoredFile {
  time_t UsedAt;
  uint64_t Size;
  std::string Path;
};

/// Every file of the store in \p Dir (DIR/xx/KEY).
std::vector<StoredFile> listFiles(const std::string &Dir) {
  std::vector<StoredFile> Files;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator Sub(Dir, EC), End; !EC && Sub != End;
       Sub.increment(EC)) {
    if (llvm::sys::path::filename(Sub->path()).size() != 2)
      continue;
    std::error_code SubEC;
    for (llvm::sys::fs::directory_iterator F(Sub->path(), SubEC);
         !SubEC && F != End; F.increment(SubEC)) {
      struct stat St;
      if (::stat(F->path().c_str(), &St) != 0 || !S_ISREG(St.st_mode))
        continue;
      Files.push_back(
          {St.st_mtime, static_cast<uint64_t>(St.st_size), F->path()});
    }
  }
  return Files;
}

uint64_t addToCount(int Fd, int64_t Delta) {
  int64_t V = static_cast<int64_t>(readCount(Fd)) + Delta;
  writeCount(Fd, V < 0 ? 0 : V);
  return V < 0 ? 0 : V;
}

} // namespace

llvm::Expected<DiskStore> DiskStore::open(llvm::StringRef Dir, uint64_t Limit,
                                          llvm::StringRef What) {
  if (llvm::Error E = openPrivateDirectory(Dir, What))
    return E;
  DiskStore Store(Dir.str(), Limit);
  LockedFile Lock(Store.Dir + "/lock");
  if (Lock.fd() < 0)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "cannot lock %s '%s/lock': %s", What.str().c_str(), Store.Dir.c_str(),
        std::strerror(errno));
  return Store;
}

std::string DiskStore::pathOf(llvm::StringRef Key) const {
  // Keys are the callers' digests in hex: nothing that names another path.
  assert(Key.size() >= 3 &&
         Key.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyz") ==
             llvm::StringRef::npos);
  return (Dir + "/" + Key.take_front(2) + "/" + Key).str();
}

std::unique_ptr<llvm::MemoryBuffer> DiskStore::load(llvm::StringRef Key) const {
  std::string Path = pathOf(Key);
  int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return nullptr;
  auto Close = llvm::make_scope_exit([&] { ::close(Fd); });
  struct stat St;
  if (::fstat(Fd, &St) != 0)
    return nullptr;
  // Read, never mapped: another slot may replace or evict the file.
  auto Buffer = llvm::MemoryBuffer::getOpenFile(Fd, Path, St.st_size,
                                                /*RequiresNullTerminator=*/true,
                                                /*IsVolatile=*/true);
  if (!Buffer)
    return nullptr;
  if (::time(nullptr) - St.st_mtime > TouchGrain)
    ::futimens(Fd, nullptr);
  return std::move(*Buffer);
}

void DiskStore::remove(llvm::StringRef Key) const {
  std::string Path = pathOf(Key);
  LockedFile Lock(Dir + "/lock");
  struct stat St;
  if (::stat(Path.c_str(), &St) == 0 && ::unlink(Path.c_str()) == 0 &&
      Lock.fd() >= 0)
    addToCount(Lock.fd(), -static_cast<int64_t>(St.st_size));
}

llvm::Error DiskStore::store(llvm::StringRef Key,
                             llvm::StringRef Contents) const {
  std::string Path = pathOf(Key);
  std::string Parent = llvm::sys::path::parent_path(Path).str();
  if (::mkdir(Parent.c_str(), 0700) != 0 && errno != EEXIST)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "cannot create '%s': %s", Parent.c_str(), std::strerror(errno));
  // A reader sees all of a file or none.
  llvm::Expected<AtomicFile> File = AtomicFile::create(Path, 0600, Dir);
  if (!File)
    return File.takeError();
  if (llvm::Error E = File->write(Contents))
    return E;
  // Under the lock, so that the count follows what the directory holds: two
  // processes that store one key replace one file.
  LockedFile Lock(Dir + "/lock");
  struct stat Old;
  int64_t Replaced = ::stat(Path.c_str(), &Old) == 0 ? Old.st_size : 0;
  if (llvm::Error E = File->commit())
    return E;
  if (Lock.fd() < 0)
    return llvm::Error::success();
  if (addToCount(Lock.fd(), static_cast<int64_t>(Contents.size()) - Replaced) >
      Limit)
    trimLocked(Lock.fd());
  return llvm::Error::success();
}

uint64_t DiskStore::bytes() const {
  LockedFile Lock(Dir + "/lock", LOCK_SH);
  return Lock.fd() < 0 ? 0 : readCount(Lock.fd());
}

void DiskStore::trim() const {
  LockedFile Lock(Dir + "/lock");
  if (Lock.fd() >= 0)
    trimLocked(Lock.fd());
}

llvm::Expected<DiskStore::Removed> DiskStore::clear() const {
  LockedFile Lock(Dir + "/lock");
  if (Lock.fd() < 0)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()), "cannot lock '%s': %s",
        (Dir + "/lock").c_str(), std::strerror(errno));
  Removed Gone;
  for (const StoredFile &F : listFiles(Dir))
    if (::unlink(F.Path.c_str()) == 0) {
      ++Gone.Files;
      Gone.Bytes += F.Size;
    }
  writeCount(Lock.fd(), 0);
  return Gone;
}

void DiskStore::trimLocked(int LockFd) const {
  std::vector<StoredFile> Files = listFiles(Dir);
  uint64_t Total = 0;
  for (const StoredFile &F : Files)
    Total += F.Size;
  if (Total > Limit) {
    std::sort(Files.begin(), Files.end(),
              [](const StoredFile &A, const StoredFile &B) {
                return A.UsedAt < B.UsedAt;
              });
    for (const StoredFile &F : Files) {
      if (Total <= Limit / 4 * 3)
        break;
      if (::unlink(F.Path.c_str()) == 0)
        Total -= F.Size;
    }
  }
  writeCount(LockFd, Total);
}
