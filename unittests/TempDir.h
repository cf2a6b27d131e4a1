//===- unittests/TempDir.h - A directory of a test's own --------*- C++ -*-===//

#ifndef CLANG_DIST_UNITTESTS_TEMPDIR_H
#define CLANG_DIST_UNITTESTS_TEMPDIR_H

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <sys/stat.h>

namespace clang::dist::test {

/// A fresh directory under $TMPDIR, by its real path (the paths a compile
/// spells), removed with everything in it at the end of the test.
class TempDir {
public:
  TempDir() {
    llvm::SmallString<128> Made, Real;
    REQUIRE(!llvm::sys::fs::createUniqueDirectory("clang-dist-test", Made));
    REQUIRE(!llvm::sys::fs::real_path(Made, Real));
    Path = std::string(Real);
  }
  ~TempDir() { llvm::sys::fs::remove_directories(Path); }
  std::string file(llvm::StringRef Name) const {
    return Path + "/" + Name.str();
  }
  void write(llvm::StringRef Name, llvm::StringRef Text) const {
    std::ofstream(file(Name), std::ios::trunc) << Text.str();
  }
  std::string Path;
};

/// The file's contents, or a marker no test expects.
inline std::string readFile(const std::string &Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path);
  return Buffer ? (*Buffer)->getBuffer().str() : "<unreadable>";
}

/// The file's permission bits, or ~0u.
inline unsigned fileMode(const std::string &Path) {
  struct stat St;
  return ::stat(Path.c_str(), &St) == 0 ? St.st_mode & 07777 : ~0u;
}

/// How many entries \p Dir has: a temporary file left behind is one more.
inline size_t countEntries(const std::string &Dir) {
  std::error_code EC;
  size_t N = 0;
  for (llvm::sys::fs::directory_iterator I(Dir, EC), E; I != E && !EC;
       I.increment(EC))
    ++N;
  return N;
}

} // namespace clang::dist::test

#endif
