//===- LocalServer/FileCache.cpp - One file cache for all translation units
//-===//

#include "LocalServer/FileCache.h"
#include "llvm/ADT/SmallString.h"

using namespace clang::dist;

namespace {

/// Far longer than any file system's timestamp granularity.
constexpr std::chrono::seconds RacyWindow(2);

/// Shares the cached bytes instead of copying them: the source manager of a
/// translation unit keeps this buffer while the cache may drop the entry.
class SharedBuffer : public llvm::MemoryBuffer {
public:
  SharedBuffer(std::shared_ptr<FileContents> Contents, llvm::StringRef Name)
      : Contents(std::move(Contents)), Name(Name.str()) {
    init(this->Contents->buffer().getBufferStart(),
         this->Contents->buffer().getBufferEnd(),
         /*RequiresNullTerminator=*/true);
  }
  llvm::StringRef getBufferIdentifier() const override { return Name; }
  BufferKind getBufferKind() const override { return MemoryBuffer_Malloc; }

private:
  std::shared_ptr<FileContents> Contents;
  std::string Name;
};

class CachedFile : public llvm::vfs::File {
public:
  CachedFile(llvm::vfs::Status St, std::shared_ptr<FileContents> Contents)
      : St(std::move(St)), Contents(std::move(Contents)) {}
  llvm::ErrorOr<llvm::vfs::Status> status() override { return St; }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>>
  getBuffer(const llvm::Twine &Name, int64_t, bool, bool) override {
    return std::make_unique<SharedBuffer>(Contents, Name.str());
  }
  std::error_code close() override { return {}; }

private:
  llvm::vfs::Status St;
  std::shared_ptr<FileContents> Contents;
};

class CachingFileSystem : public llvm::vfs::ProxyFileSystem {
public:
  CachingFileSystem(llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> Real,
                    SharedFileCache &Cache, FileAccessLog *Log)
      : ProxyFileSystem(std::move(Real)), Cache(Cache), Log(Log) {}

  llvm::ErrorOr<llvm::vfs::Status> status(const llvm::Twine &Path) override {
    llvm::ErrorOr<llvm::vfs::Status> St = ProxyFileSystem::status(Path);
    if (St && Log)
      record(Path, *St, nullptr);
    return St;
  }

  llvm::ErrorOr<std::unique_ptr<llvm::vfs::File>>
  openFileForRead(const llvm::Twine &Path) override {
    llvm::SmallString<256> Absolute;
    Path.toVector(Absolute);
    if (std::error_code EC = makeAbsolute(Absolute))
      return EC;
    llvm::ErrorOr<llvm::vfs::Status> Current = status(Absolute);
    if (!Current)
      return Current.getError();
    if (!Current->isRegularFile())
      return ProxyFileSystem::openFileForRead(Path);
    // The file manager expects the name it asked for.
    std::string Name = Path.str();
    if (auto Contents = Cache.lookup(Absolute, *Current))
      return open(Name, *Current, std::move(Contents));

    auto File = ProxyFileSystem::openFileForRead(Path);
    if (!File)
      return File.getError();
    llvm::ErrorOr<llvm::vfs::Status> Read = (*File)->status();
    if (!Read)
      return Read.getError();
    // Volatile: read into memory, never mmap, so a file rewritten in place
    // cannot change (or fault) under the cached copy.
    auto Buffer = (*File)->getBuffer(Name, Read->getSize(),
                                     /*RequiresNullTerminator=*/true,
                                     /*IsVolatile=*/true);
    if (!Buffer)
      return Buffer.getError();
    auto Contents = std::make_shared<FileContents>(std::move(*Buffer));
    // File timestamps advance in kernel ticks, so a file written again within
    // the tick of its last write keeps its mtime (git's "racy" files). Only a
    // file whose mtime lies safely in the past can be validated by it later.
    if (std::chrono::system_clock::now() - Read->getLastModificationTime() >
        RacyWindow)
      Cache.insert(Absolute, *Read, Contents);
    return open(Name, *Read, std::move(Contents));
  }

private:
  std::unique_ptr<llvm::vfs::File>
  open(const std::string &Name, const llvm::vfs::Status &St,
       std::shared_ptr<FileContents> Contents) {
    if (Log)
      record(Name, St, Contents);
    return std::make_unique<CachedFile>(
        llvm::vfs::Status::copyWithNewName(St, Name), std::move(Contents));
  }

  void record(const llvm::Twine &Path, const llvm::vfs::Status &St,
              std::shared_ptr<FileContents> Contents) {
    llvm::SmallString<256> Absolute;
    Path.toVector(Absolute);
    if (makeAbsolute(Absolute))
      return;
    FileAccessLog::Access &A = Log->Accesses[std::string(Absolute)];
    A.Status = St;
    if (Contents) {
      Log->ByBuffer[Contents->buffer().getBufferStart()] = Contents.get();
      A.Contents = std::move(Contents);
    }
  }

  SharedFileCache &Cache;
  FileAccessLog *Log;
};

} // namespace

llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>
SharedFileCache::viewFor(llvm::StringRef WorkingDir, FileAccessLog *Log) {
  // A physical file system of its own tracks its working directory itself.
  std::unique_ptr<llvm::vfs::FileSystem> Real =
      llvm::vfs::createPhysicalFileSystem();
  Real->setCurrentWorkingDirectory(WorkingDir);
  return llvm::makeIntrusiveRefCnt<CachingFileSystem>(
      llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>(Real.release()), *this,
      Log);
}

std::shared_ptr<FileContents>
SharedFileCache::lookup(llvm::StringRef AbsolutePath,
                        const llvm::vfs::Status &Current) {
  std::lock_guard<std::mutex> Lock(Mutex);
  auto It = Entries.find(AbsolutePath);
  if (It == Entries.end() || It->second.ID != Current.getUniqueID() ||
      It->second.Size != Current.getSize() ||
      It->second.ModificationTime != Current.getLastModificationTime()) {
    ++Stats.Misses;
    return nullptr;
  }
  ++Stats.Hits;
  return It->second.Contents;
}

void SharedFileCache::insert(llvm::StringRef AbsolutePath,
                             const llvm::vfs::Status &Read,
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
  E = Entry{Read.getUniqueID(), Read.getSize(), Read.getLastModificationTime(),
            std::move(Contents)};
  Stats.Bytes += Size;
}

SharedFileCache::Statistics SharedFileCache::statistics() const {
  std::lock_guard<std::mutex> Lock(Mutex);
  return Stats;
}
