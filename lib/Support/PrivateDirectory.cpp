//===- Support/PrivateDirectory.cpp - A directory only we can use ---------===//

#include "Support/PrivateDirectory.h"
#include "llvm/Support/Errc.h"
#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

using namespace clang::dist;

llvm::Error clang::dist::openPrivateDirectory(llvm::StringRef DirRef,
                                              llvm::StringRef WhatRef) {
  std::string Dir = DirRef.str(), What = WhatRef.str();
  if (::mkdir(Dir.c_str(), 0700) != 0 && errno != EEXIST)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "cannot create %s '%s': %s", What.c_str(), Dir.c_str(),
        std::strerror(errno));
  struct stat St;
  if (::lstat(Dir.c_str(), &St) != 0)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "cannot stat %s '%s': %s", What.c_str(), Dir.c_str(),
        std::strerror(errno));
  if (S_ISLNK(St.st_mode))
    return llvm::createStringError(llvm::errc::not_a_directory,
                                   "%s '%s' is a symbolic link; give the "
                                   "directory itself",
                                   What.c_str(), Dir.c_str());
  if (!S_ISDIR(St.st_mode))
    return llvm::createStringError(llvm::errc::not_a_directory,
                                   "%s '%s' is not a directory", What.c_str(),
                                   Dir.c_str());
  if (St.st_uid != ::getuid())
    return llvm::createStringError(llvm::errc::permission_denied,
                                   "%s '%s' is owned by uid %u, not by you "
                                   "(uid %u)",
                                   What.c_str(), Dir.c_str(), St.st_uid,
                                   ::getuid());
  if (St.st_mode & (S_IWGRP | S_IWOTH))
    return llvm::createStringError(llvm::errc::permission_denied,
                                   "%s '%s' is writable by others (mode %o)",
                                   What.c_str(), Dir.c_str(),
                                   St.st_mode & 07777);
  return llvm::Error::success();
}
