//===- Worker/RecordingFileSystem.cpp - What a compile looked at ----------===//

#include "Worker/RecordingFileSystem.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Path.h"
#include <optional>

using namespace clang::dist;
using Kind = PathInfo::PathKind;

/// The inputs of one compile, shared by its file system and the files it
/// opened. Every note after take() is ignored: the compile is over.
class clang::dist::InputRecord {
public:
  explicit InputRecord(std::string WorkingDir)
      : WorkingDir(std::move(WorkingDir)) {}

  /// Records what a look at \p Path found; returns the input's index, or
  /// none if no PathInfo states the answer (the inputs are then unrecorded).
  std::optional<size_t> note(const llvm::Twine &Path,
                             const llvm::ErrorOr<llvm::vfs::Status> &Found);

  /// The compile read \p Bytes of the file at \p Index.
  void noteRead(size_t Index, llvm::StringRef Bytes);

  /// The file at \p Index reported \p RealPath as its name: recorded as a
  /// path of its own, with the same identity, its digest shared.
  void noteRealPath(size_t Index, llvm::StringRef RealPath);

  /// The compile asked for the working directory.
  void noteWorkingDir(llvm::vfs::FileSystem &Disk);

  void setUnrecorded() { Unrecorded = true; }
  bool unrecorded() const { return Unrecorded; }

  /// Digests what was only looked at, through \p Disk, and hands over the
  /// inputs.
  std::vector<CompileInput> take(llvm::vfs::FileSystem &Disk);

private:
  std::string absolute(const llvm::Twine &Path) const;
  size_t add(std::string Absolute, const PathInfo &Info,
             llvm::sys::TimePoint<> ModifiedAt);
  /// Whether every file the compile read is still as it was when opened: one
  /// written to while the compile read it (in place, mapped into memory) may
  /// have given it other bytes than those digested.
  bool readFilesUnchanged(llvm::vfs::FileSystem &Disk) const;
  /// Reads the file at \p Index to digest it, as it is now: its identity
  /// and size must still be what the compile saw.
  void digestFromDisk(size_t Index, llvm::vfs::FileSystem &Disk);

  const std::string WorkingDir;
  std::vector<CompileInput> Inputs;
  /// What is known of each input besides what the server is told.
  struct Seen {
    bool Digested = false;
    /// The input whose opened file reported this one as its real path.
    std::optional<size_t> RealPathOf;
    llvm::sys::TimePoint<> ModifiedAt;
  };
  std::vector<Seen> Book;
  llvm::StringMap<size_t> IndexOf;
  bool Unrecorded = false;
  bool RecordedWorkingDir = false;
  bool Taken = false;
};

namespace {

/// What \p Found states as a PathInfo, if anything: a regular file or a
/// directory, or a path that does not exist. Another kind of file (a FIFO, a
/// device) or another error (permission denied, a loop of links) has no
/// state a later lookup could compare with.
std::optional<PathInfo> infoOf(const llvm::ErrorOr<llvm::vfs::Status> &Found) {
  PathInfo Info;
  if (!Found) {
    if (Found.getError() == std::errc::no_such_file_or_directory)
      Info.Kind = Kind::Missing;
    else if (Found.getError() == std::errc::not_a_directory)
      Info.Kind = Kind::NotADirectory;
    else
      return std::nullopt;
    return Info;
  }
  switch (Found->getType()) {
  case llvm::sys::fs::file_type::regular_file:
    Info.Kind = Kind::File;
    Info.Size = Found->getSize();
    break;
  case llvm::sys::fs::file_type::directory_file:
    Info.Kind = Kind::Directory;
    break;
  default:
    return std::nullopt;
  }
  Info.Device = Found->getUniqueID().getDevice();
  Info.Inode = Found->getUniqueID().getFile();
  return Info;
}

bool sameState(const PathInfo &A, const PathInfo &B) {
  return A.Kind == B.Kind && A.Device == B.Device && A.Inode == B.Inode &&
         A.Size == B.Size;
}

/// A file the compile opened: what it reads and the name it reports are
/// recorded. Holds the record, which it may outlive the file system of.
class RecordingFile : public llvm::vfs::File {
public:
  RecordingFile(std::unique_ptr<llvm::vfs::File> Inner,
                std::shared_ptr<InputRecord> Record, size_t Index)
      : Inner(std::move(Inner)), Record(std::move(Record)), Index(Index) {}

  llvm::ErrorOr<llvm::vfs::Status> status() override { return Inner->status(); }
  llvm::ErrorOr<std::string> getName() override {
    llvm::ErrorOr<std::string> Name = Inner->getName();
    if (Name)
      Record->noteRealPath(Index, *Name);
    else
      Record->setUnrecorded();
    return Name;
  }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>>
  getBuffer(const llvm::Twine &Name, int64_t FileSize,
            bool RequiresNullTerminator, bool IsVolatile) override {
    auto Buffer =
        Inner->getBuffer(Name, FileSize, RequiresNullTerminator, IsVolatile);
    if (Buffer)
      Record->noteRead(Index, (*Buffer)->getBuffer());
    else
      Record->setUnrecorded();
    return Buffer;
  }
  std::error_code close() override { return Inner->close(); }

private:
  std::unique_ptr<llvm::vfs::File> Inner;
  std::shared_ptr<InputRecord> Record;
  size_t Index;
};

} // namespace

std::string InputRecord::absolute(const llvm::Twine &Path) const {
  llvm::SmallString<256> Absolute;
  Path.toVector(Absolute);
  // As FileSystem::makeAbsolute does, with the directory the job gave.
  if (!llvm::sys::path::is_absolute(Absolute))
    llvm::sys::fs::make_absolute(WorkingDir, Absolute);
  return std::string(Absolute);
}

std::optional<size_t>
InputRecord::note(const llvm::Twine &Path,
                  const llvm::ErrorOr<llvm::vfs::Status> &Found) {
  if (Taken)
    return std::nullopt;
  std::optional<PathInfo> Info = infoOf(Found);
  if (!Info) {
    Unrecorded = true;
    return std::nullopt;
  }
  return add(absolute(Path), *Info,
             Found ? Found->getLastModificationTime()
                   : llvm::sys::TimePoint<>());
}

size_t InputRecord::add(std::string Absolute, const PathInfo &Info,
                        llvm::sys::TimePoint<> ModifiedAt) {
  auto [It, New] = IndexOf.try_emplace(Absolute, Inputs.size());
  if (New) {
    Inputs.push_back({std::move(Absolute), Info});
    Book.push_back({false, std::nullopt, ModifiedAt});
  } else if (!sameState(Inputs[It->second].Info, Info)) {
    // The compile saw the path two ways: no one state describes it.
    Unrecorded = true;
  }
  return It->second;
}

void InputRecord::noteRead(size_t Index, llvm::StringRef Bytes) {
  if (Taken)
    return;
  PathInfo &Info = Inputs[Index].Info;
  if (Info.Kind != Kind::File || Bytes.size() != Info.Size) {
    Unrecorded = true;
    return;
  }
  ContentDigest Digest = digestContents(Bytes);
  if (Book[Index].Digested && Digest != Info.Digest)
    Unrecorded = true;
  Info.Digest = Digest;
  Book[Index].Digested = true;
}

void InputRecord::noteRealPath(size_t Index, llvm::StringRef RealPath) {
  if (Taken)
    return;
  std::string Absolute = absolute(RealPath);
  if (Absolute == Inputs[Index].Path)
    return;
  PathInfo Info = Inputs[Index].Info;
  Info.Digest = {};
  size_t Real = add(std::move(Absolute), Info, Book[Index].ModifiedAt);
  if (!Book[Real].RealPathOf)
    Book[Real].RealPathOf = Index;
}

void InputRecord::noteWorkingDir(llvm::vfs::FileSystem &Disk) {
  if (RecordedWorkingDir || Taken)
    return;
  RecordedWorkingDir = true;
  note(WorkingDir, Disk.status(WorkingDir));
}

void InputRecord::digestFromDisk(size_t Index, llvm::vfs::FileSystem &Disk) {
  const CompileInput &Input = Inputs[Index];
  auto File = Disk.openFileForRead(Input.Path);
  if (!File) {
    Unrecorded = true;
    return;
  }
  llvm::ErrorOr<llvm::vfs::Status> Now = (*File)->status();
  std::optional<PathInfo> NowInfo = infoOf(Now);
  auto Buffer = (*File)->getBuffer(Input.Path, /*FileSize=*/-1,
                                   /*RequiresNullTerminator=*/false);
  if (!NowInfo || !sameState(*NowInfo, Input.Info) || !Buffer) {
    Unrecorded = true;
    return;
  }
  noteRead(Index, (*Buffer)->getBuffer());
}

bool InputRecord::readFilesUnchanged(llvm::vfs::FileSystem &Disk) const {
  for (size_t I = 0; I != Inputs.size(); ++I) {
    if (!Book[I].Digested)
      continue;
    llvm::ErrorOr<llvm::vfs::Status> Now = Disk.status(Inputs[I].Path);
    std::optional<PathInfo> NowInfo = infoOf(Now);
    if (!NowInfo || !sameState(*NowInfo, Inputs[I].Info) ||
        Now->getLastModificationTime() != Book[I].ModifiedAt)
      return false;
  }
  return true;
}

std::vector<CompileInput> InputRecord::take(llvm::vfs::FileSystem &Disk) {
  if (!Unrecorded && !readFilesUnchanged(Disk))
    Unrecorded = true;
  // Real paths last: the file that reported one was read by then.
  for (bool RealPaths : {false, true})
    for (size_t I = 0; I != Inputs.size() && !Unrecorded; ++I) {
      Seen &Entry = Book[I];
      if (Inputs[I].Info.Kind != Kind::File || Entry.Digested ||
          Entry.RealPathOf.has_value() != RealPaths)
        continue;
      if (RealPaths && Book[*Entry.RealPathOf].Digested) {
        Inputs[I].Info.Digest = Inputs[*Entry.RealPathOf].Info.Digest;
        Entry.Digested = true;
        continue;
      }
      digestFromDisk(I, Disk);
    }
  Taken = true;
  return std::move(Inputs);
}

RecordingFileSystem::RecordingFileSystem(
    llvm::IntrusiveRefCntPtr<FileSystem> Disk)
    : ProxyFileSystem(Disk) {
  llvm::ErrorOr<std::string> WorkingDir = Disk->getCurrentWorkingDirectory();
  Record = std::make_shared<InputRecord>(WorkingDir ? *WorkingDir : "");
  // No relative path can be recorded.
  if (!WorkingDir)
    Record->setUnrecorded();
}

RecordingFileSystem::~RecordingFileSystem() = default;

llvm::ErrorOr<llvm::vfs::Status>
RecordingFileSystem::status(const llvm::Twine &Path) {
  llvm::ErrorOr<llvm::vfs::Status> Found = ProxyFileSystem::status(Path);
  Record->note(Path, Found);
  return Found;
}

llvm::ErrorOr<std::unique_ptr<llvm::vfs::File>>
RecordingFileSystem::openFileForRead(const llvm::Twine &Path) {
  auto File = ProxyFileSystem::openFileForRead(Path);
  if (!File) {
    Record->note(Path, File.getError());
    return File;
  }
  std::optional<size_t> Index = Record->note(Path, (*File)->status());
  if (!Index)
    return File;
  return std::make_unique<RecordingFile>(std::move(*File), Record, *Index);
}

llvm::ErrorOr<std::string>
RecordingFileSystem::getCurrentWorkingDirectory() const {
  Record->noteWorkingDir(getUnderlyingFS());
  return ProxyFileSystem::getCurrentWorkingDirectory();
}

llvm::vfs::directory_iterator
RecordingFileSystem::dir_begin(const llvm::Twine &Dir, std::error_code &EC) {
  Record->setUnrecorded();
  return ProxyFileSystem::dir_begin(Dir, EC);
}

std::error_code
RecordingFileSystem::getRealPath(const llvm::Twine &Path,
                                 llvm::SmallVectorImpl<char> &Output) const {
  Record->setUnrecorded();
  return ProxyFileSystem::getRealPath(Path, Output);
}

std::error_code RecordingFileSystem::isLocal(const llvm::Twine &Path,
                                             bool &Result) {
  Record->setUnrecorded();
  return ProxyFileSystem::isLocal(Path, Result);
}

std::error_code
RecordingFileSystem::setCurrentWorkingDirectory(const llvm::Twine &Path) {
  // Every path recorded so far was made absolute against the old one.
  Record->setUnrecorded();
  return ProxyFileSystem::setCurrentWorkingDirectory(Path);
}

std::vector<CompileInput> RecordingFileSystem::takeInputs() {
  return Record->take(getUnderlyingFS());
}

bool RecordingFileSystem::unrecorded() const { return Record->unrecorded(); }
