//===- Support/AtomicFile.cpp - A file replaced whole or not at all -------===//

#include "Support/AtomicFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

using namespace clang::dist;

static std::error_code lastError() {
  return std::error_code(errno, std::generic_category());
}

llvm::Expected<AtomicFile> AtomicFile::create(llvm::StringRef Path,
                                              unsigned Mode,
                                              llvm::StringRef TempDir) {
  llvm::SmallString<128> Model;
  if (TempDir.empty()) {
    Model = Path;
  } else {
    Model = TempDir;
    llvm::sys::path::append(Model, "tmp");
  }
  Model += "-%%%%%%%%.tmp";
  int Fd;
  llvm::SmallString<128> TempPath;
  if (std::error_code EC = llvm::sys::fs::createUniqueFile(
          Model, Fd, TempPath, llvm::sys::fs::OF_None, 0600))
    return TempDir.empty()
               ? llvm::createStringError(
                     EC, "cannot create a file beside '%s': %s",
                     Path.str().c_str(), EC.message().c_str())
               : llvm::createStringError(EC, "cannot create a file in '%s': %s",
                                         TempDir.str().c_str(),
                                         EC.message().c_str());
  AtomicFile File(Path.str(), std::move(TempPath), Fd);
  // createUniqueFile's mode passes through the umask, which is the process's
  // own, not necessarily that of whoever the file is for.
  if (::fchmod(Fd, Mode) != 0)
    return File.cannotWrite(lastError());
  return std::move(File);
}

AtomicFile::AtomicFile(AtomicFile &&Other)
    : Path(std::move(Other.Path)), TempPath(std::move(Other.TempPath)),
      Fd(Other.Fd), Committed(Other.Committed) {
  Other.Fd = -1;
  Other.Committed = true;
}

AtomicFile::~AtomicFile() {
  if (Fd >= 0)
    ::close(Fd);
  if (!Committed)
    ::unlink(TempPath.c_str());
}

llvm::Error AtomicFile::cannotWrite(std::error_code EC) const {
  return llvm::createStringError(EC, "cannot write '%s': %s", Path.c_str(),
                                 EC.message().c_str());
}

llvm::Error AtomicFile::write(llvm::StringRef Bytes) {
  while (!Bytes.empty()) {
    ssize_t N = ::write(Fd, Bytes.data(), Bytes.size());
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return cannotWrite(N < 0 ? lastError()
                               : std::make_error_code(std::errc::io_error));
    Bytes = Bytes.drop_front(N);
  }
  return llvm::Error::success();
}

llvm::Error AtomicFile::commit() {
  // A full disk or quota may only show when the file is closed (NFS).
  int Closed = ::close(Fd);
  Fd = -1;
  if (Closed != 0)
    return cannotWrite(lastError());
  if (std::error_code EC = llvm::sys::fs::rename(TempPath, Path))
    return cannotWrite(EC);
  Committed = true;
  return llvm::Error::success();
}

llvm::Error clang::dist::writeFileAtomically(llvm::StringRef Path,
                                             llvm::StringRef Bytes,
                                             unsigned Mode) {
  llvm::Expected<AtomicFile> File = AtomicFile::create(Path, Mode);
  if (!File)
    return File.takeError();
  if (llvm::Error E = File->write(Bytes))
    return E;
  return File->commit();
}
