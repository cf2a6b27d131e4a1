//===- Support/AtomicFile.h - Files replaced whole --------------*- C++ -*-===//
//
// Objects, dependency files, blobs, secrets and backoffs are read by other
// processes while they are written (make, a linker, another slot, the next
// server). Each is written into a new file and renamed over its path, so
// that a reader sees the old file or all of the new one, never a part, and
// a failed write leaves the old file as it was.
//
// Not llvm::sys::fs::TempFile: it installs LLVM's signal handlers, which
// the server and the worker must not have under their own (Asio's).
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_ATOMICFILE_H
#define CLANG_DIST_SUPPORT_ATOMICFILE_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace clang::dist {

/// A new file that replaces \p Path when committed, and is removed if not.
class AtomicFile {
public:
  /// Creates the new file beside \p Path, or in \p TempDir (on the same file
  /// system) when given, with permissions \p Mode whatever the umask.
  static llvm::Expected<AtomicFile> create(llvm::StringRef Path, unsigned Mode,
                                           llvm::StringRef TempDir = {});
  AtomicFile(AtomicFile &&Other);
  AtomicFile &operator=(AtomicFile &&) = delete;
  ~AtomicFile();

  llvm::Error write(llvm::StringRef Bytes);
  /// Renames the file over the path: the path then holds all that was
  /// written.
  llvm::Error commit();

private:
  AtomicFile(std::string Path, llvm::SmallString<128> TempPath, int Fd)
      : Path(std::move(Path)), TempPath(std::move(TempPath)), Fd(Fd) {}
  llvm::Error cannotWrite(std::error_code EC) const;

  std::string Path;
  llvm::SmallString<128> TempPath;
  int Fd;
  bool Committed = false;
};

/// Replaces \p Path by a file of \p Bytes with permissions \p Mode.
llvm::Error writeFileAtomically(llvm::StringRef Path, llvm::StringRef Bytes,
                                unsigned Mode);

} // namespace clang::dist

#endif
