//===- Worker/RecordingFileSystem.h - What a compile looked at --*- C++ -*-===//
//
// A LocalFiles compile reads the disk, and the local server's result cache
// keys its result on every path it looked at and what it found there: a
// compile is a function of its arguments and of its file system's answers, so
// a later compile whose every path is found the same would give the same
// result. This file system passes every call to the disk unchanged and writes
// down each answer as a CompileInput; the calls whose answer no PathInfo
// states (a directory listing, a real path, an error other than a missing
// path) make the result uncacheable instead.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_RECORDINGFILESYSTEM_H
#define CLANG_DIST_WORKER_RECORDINGFILESYSTEM_H

#include "Protocol/Messages.h"
#include "llvm/Support/VirtualFileSystem.h"
#include <memory>

namespace clang::dist {

class InputRecord;

/// One compile's view of the disk, on its compile thread. Paths are recorded
/// absolute against the working directory \p Disk has when this is made, as
/// the compile spelled them (no symbolic link or ".." resolved), each once,
/// at the first look; a later look that finds something else (a file that
/// grew while the compile read it), or a file read that is written to before
/// the compile is over, makes the inputs unrecorded.
class RecordingFileSystem : public llvm::vfs::ProxyFileSystem {
public:
  explicit RecordingFileSystem(llvm::IntrusiveRefCntPtr<FileSystem> Disk);
  ~RecordingFileSystem() override;

  llvm::ErrorOr<llvm::vfs::Status> status(const llvm::Twine &Path) override;
  /// The file records the digest of what the compile reads of it, and the
  /// real path it reports (its name after every symbolic link, which
  /// -Wnonportable-include-path compares the #include's spelling with) as an
  /// input of its own: a link retargeted, or a directory renamed, changes
  /// that input. (Only another name of the same inode, a hard link or a bind
  /// mount, that a link comes to point to passes unseen.)
  llvm::ErrorOr<std::unique_ptr<llvm::vfs::File>>
  openFileForRead(const llvm::Twine &Path) override;
  /// Records the working directory as an input: the answer comes from the
  /// job, not the disk, but the output may depend on it (-g without
  /// -fdebug-compilation-dir), so the inputs must name it.
  llvm::ErrorOr<std::string> getCurrentWorkingDirectory() const override;
  /// These answer what no PathInfo states: the inputs are unrecorded.
  llvm::vfs::directory_iterator dir_begin(const llvm::Twine &Dir,
                                          std::error_code &EC) override;
  std::error_code
  getRealPath(const llvm::Twine &Path,
              llvm::SmallVectorImpl<char> &Output) const override;
  std::error_code isLocal(const llvm::Twine &Path, bool &Result) override;
  /// Clang never moves it; if it did, the paths recorded against the old one
  /// would no longer say what a later compile looks at: unrecorded.
  std::error_code setCurrentWorkingDirectory(const llvm::Twine &Path) override;

  /// Once the compile is over: digests the files it only looked at (a
  /// __has_include, a header found by stat and never read) and returns every
  /// input in the order it was first looked at.
  std::vector<CompileInput> takeInputs();
  /// Whether the compile asked anything the inputs do not capture.
  bool unrecorded() const;

private:
  /// Shared with the files this opens, which may outlive it.
  std::shared_ptr<InputRecord> Record;
};

} // namespace clang::dist

#endif
