//===- Support/FileStamp.cpp - What says a file is the same one -----------===//

#include "Support/FileStamp.h"
#include <sys/vfs.h>

using namespace clang::dist;

namespace {

std::chrono::nanoseconds sinceEpoch(const timespec &T) {
  return std::chrono::seconds(T.tv_sec) + std::chrono::nanoseconds(T.tv_nsec);
}

} // namespace

FileStamp clang::dist::stampOf(const struct stat &St) {
  return {llvm::sys::fs::UniqueID(St.st_dev, St.st_ino),
          static_cast<uint64_t>(St.st_size), sinceEpoch(St.st_mtim),
          sinceEpoch(St.st_ctim)};
}

bool clang::dist::isRacy(const FileStamp &Stamp,
                         std::chrono::nanoseconds Window) {
  auto Now = std::chrono::system_clock::now().time_since_epoch();
  return Now - std::max(Stamp.ModificationTime, Stamp.ChangeTime) <= Window;
}

bool clang::dist::isLocalFileSystem(const char *Path) {
  struct statfs Fs;
  if (::statfs(Path, &Fs) != 0)
    return false;
  switch (static_cast<unsigned long>(Fs.f_type)) {
  case 0xEF53:     // ext2, ext3, ext4
  case 0x58465342: // xfs
  case 0x9123683E: // btrfs
  case 0x01021994: // tmpfs
  case 0x794C7630: // overlayfs
  case 0xF2F52010: // f2fs
    return true;
  default:
    return false;
  }
}
