//===- ResultCache/DigestMemo.cpp - File digests across servers -----------===//
//
// The file (DIR/digests; docs/CACHE.md) is sealed (ResultCache/Seal.h), kind
// 'd'; its body, little-endian:
//   u32 entries, each: u32 length, the path; u64 device, u64 inode, u64 size,
//       u64 mtime (ns), u64 ctime (ns), u64 used at (s); 32-byte digest
// DIR/digests.lock's flock serializes the writers' merges.
//
//===----------------------------------------------------------------------===//

#include "ResultCache/DigestMemo.h"
#include "ResultCache/Body.h"
#include "ResultCache/Seal.h"
#include "Support/AtomicFile.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/MemoryBuffer.h"
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace clang::dist;

namespace {

constexpr uint32_t MaxPathLength = 4096;
/// A file used again within this long is not marked used again.
constexpr int64_t UseGrain = 24 * 60 * 60;

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

llvm::Error malformed(const char *What) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "malformed file digests: %s", What);
}

/// The memo's file as it is now: empty if there is none, an error if it is
/// damaged.
llvm::Expected<DigestMemo::Entries> readFile(const std::string &Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false,
                                            /*IsVolatile=*/true);
  if (!Buffer) {
    if (Buffer.getError() == std::errc::no_such_file_or_directory)
      return DigestMemo::Entries();
    return llvm::createStringError(Buffer.getError(), "cannot read: %s",
                                   Buffer.getError().message().c_str());
  }
  return DigestMemo::decode((*Buffer)->getBuffer());
}

} // namespace

DigestMemo::DigestMemo(std::string Path, Logger &Log)
    : Path(std::move(Path)), Log(Log) {}

DigestMemo::~DigestMemo() = default;

void DigestMemo::loadLocked() {
  if (Loaded)
    return;
  Loaded = true;
  llvm::Expected<Entries> Read = readFile(Path);
  if (!Read) {
    Log.log("result cache: ignored the file digests '" + Path +
            "': " + llvm::toString(Read.takeError()));
    return;
  }
  Known = std::move(*Read);
  Count.Loaded = Known.size();
}

std::optional<ContentDigest> DigestMemo::find(llvm::StringRef File,
                                              const FileStamp &Now) {
  std::lock_guard<std::mutex> Lock(Mutex);
  loadLocked();
  auto It = Known.find(File);
  if (It == Known.end() || !(It->second.Stamp == Now))
    return std::nullopt;
  ++Count.Reused;
  int64_t Seconds = nowSeconds();
  if (Seconds - It->second.UsedAt > UseGrain) {
    It->second.UsedAt = Seconds;
    Dirty = true;
  }
  return It->second.Digest;
}

void DigestMemo::learn(llvm::StringRef File, const FileStamp &Read,
                       const ContentDigest &Digest) {
  if (!File.startswith("/") || File.size() > MaxPathLength)
    return;
  std::lock_guard<std::mutex> Lock(Mutex);
  loadLocked();
  Entry &E = Known[File];
  if (E.Stamp == Read && E.Digest == Digest)
    return;
  E = Entry{Read, Digest, nowSeconds()};
  ++Count.Learned;
  Dirty = true;
}

void DigestMemo::save() {
  std::lock_guard<std::mutex> Lock(Mutex);
  if (!Dirty)
    return;
  Dirty = false;
  // Another server may write at the same time: each merges under the lock
  // what the file holds with what it learned, so neither loses the other's.
  std::string LockPath = Path + ".lock";
  int Fd = ::open(LockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (Fd < 0 || ::flock(Fd, LOCK_EX) != 0) {
    Log.log("result cache: cannot lock '" + LockPath +
            "': " + std::strerror(errno) + "; file digests not written");
    if (Fd >= 0)
      ::close(Fd);
    return;
  }
  auto Close = llvm::make_scope_exit([&] { ::close(Fd); });
  Entries Theirs;
  if (llvm::Expected<Entries> OnDisk = readFile(Path))
    Theirs = std::move(*OnDisk);
  else
    // Damaged: replaced by what this server knows.
    llvm::consumeError(OnDisk.takeError());
  merge(Known, Theirs, nowSeconds());
  if (llvm::Error E = writeFileAtomically(Path, encode(Known), 0600))
    Log.log("result cache: file digests not written: " +
            llvm::toString(std::move(E)));
}

DigestMemo::Counts DigestMemo::counts() const {
  std::lock_guard<std::mutex> Lock(Mutex);
  return Count;
}

std::string DigestMemo::encode(const Entries &E) {
  BodyWriter W;
  W.u32(E.size());
  for (const auto &[File, Entry] : E) {
    W.u32(File.size());
    W.bytes(File);
    W.u64(Entry.Stamp.ID.getDevice());
    W.u64(Entry.Stamp.ID.getFile());
    W.u64(Entry.Stamp.Size);
    W.u64(Entry.Stamp.ModificationTime.count());
    W.u64(Entry.Stamp.ChangeTime.count());
    W.u64(Entry.UsedAt);
    W.bytes(llvm::StringRef(reinterpret_cast<const char *>(Entry.Digest.data()),
                            Entry.Digest.size()));
  }
  return seal(SealedKind::Digests, W.Out);
}

llvm::Expected<DigestMemo::Entries> DigestMemo::decode(llvm::StringRef Bytes) {
  llvm::Expected<llvm::StringRef> Body = unseal(SealedKind::Digests, Bytes);
  if (!Body)
    return Body.takeError();
  BodyReader R(*Body);
  Entries Out;
  for (uint32_t N = R.count(MaxEntries); N && !R.failed(); --N) {
    uint32_t Length = R.u32();
    if (Length > MaxPathLength)
      return malformed("a path too long");
    llvm::StringRef File = R.take(Length);
    Entry E;
    uint64_t Device = R.u64();
    uint64_t Inode = R.u64();
    E.Stamp.ID = llvm::sys::fs::UniqueID(Device, Inode);
    E.Stamp.Size = R.u64();
    E.Stamp.ModificationTime = std::chrono::nanoseconds(R.u64());
    E.Stamp.ChangeTime = std::chrono::nanoseconds(R.u64());
    E.UsedAt = R.u64();
    llvm::StringRef D = R.take(E.Digest.size());
    if (R.failed())
      break;
    if (!File.startswith("/"))
      return malformed("a relative path");
    std::copy(D.begin(), D.end(), E.Digest.begin());
    if (!Out.try_emplace(File, E).second)
      return malformed("a path twice");
  }
  if (R.failed())
    return malformed("truncated");
  if (!R.atEnd())
    return malformed("bytes after the end");
  return Out;
}

void DigestMemo::merge(Entries &Into, const Entries &Other, int64_t Now) {
  for (const auto &[File, E] : Other) {
    auto [It, New] = Into.try_emplace(File, E);
    if (!New && E.UsedAt > It->second.UsedAt)
      It->second = E;
  }
  int64_t Oldest = Now - std::chrono::seconds(MaxAge).count();
  if (Into.size() > MaxEntries) {
    std::vector<int64_t> Used;
    Used.reserve(Into.size());
    for (const auto &[File, E] : Into)
      Used.push_back(E.UsedAt);
    // The MaxEntries-th most recent use: older ones go.
    std::nth_element(Used.begin(), Used.begin() + MaxEntries - 1, Used.end(),
                     std::greater<int64_t>());
    Oldest = std::max(Oldest, Used[MaxEntries - 1]);
  }
  auto EraseIf = [&](auto Drop) {
    for (auto It = Into.begin(), End = Into.end(); It != End;) {
      auto Next = std::next(It);
      if (Drop(It->second))
        Into.erase(It);
      It = Next;
    }
  };
  EraseIf([&](const Entry &E) { return E.UsedAt < Oldest; });
  // Those used in the same second as the last one kept, beyond the limit.
  EraseIf([&](const Entry &E) {
    return Into.size() > MaxEntries && E.UsedAt == Oldest;
  });
}
