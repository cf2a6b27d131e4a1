//===- Support/PrivateFile.cpp - A file only its owner may read -----------===//

#include "Support/PrivateFile.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace clang::dist;

llvm::Expected<std::string>
clang::dist::readPrivateFile(llvm::StringRef PathRef, llvm::StringRef WhatRef) {
  std::string Path = PathRef.str(), What = WhatRef.str();
  int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "cannot read %s '%s': %s", What.c_str(), Path.c_str(),
        std::strerror(errno));
  // The checks are on the file opened, not on a path that may change.
  struct stat St;
  if (::fstat(Fd, &St) != 0) {
    ::close(Fd);
    return llvm::createStringError(llvm::errc::io_error, "cannot stat %s '%s'",
                                   What.c_str(), Path.c_str());
  }
  auto Buffer = llvm::MemoryBuffer::getOpenFile(Fd, Path, St.st_size);
  ::close(Fd);
  if (St.st_uid != ::getuid())
    return llvm::createStringError(llvm::errc::permission_denied,
                                   "%s '%s' is owned by uid %u, not by you "
                                   "(uid %u)",
                                   What.c_str(), Path.c_str(), St.st_uid,
                                   ::getuid());
  if (St.st_mode & 077)
    return llvm::createStringError(llvm::errc::permission_denied,
                                   "%s '%s' is accessible to others (mode "
                                   "%o); make it mode 0600",
                                   What.c_str(), Path.c_str(),
                                   St.st_mode & 07777);
  if (!Buffer)
    return llvm::createStringError(Buffer.getError(), "cannot read %s '%s'",
                                   What.c_str(), Path.c_str());
  llvm::StringRef Text = (*Buffer)->getBuffer().rtrim();
  if (Text.empty())
    return llvm::createStringError(llvm::errc::invalid_argument,
                                   "%s '%s' is empty", What.c_str(),
                                   Path.c_str());
  return Text.str();
}
