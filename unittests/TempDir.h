//===- unittests/TempDir.h - A directory of a test's own --------*- C++ -*-===//

#ifndef CLANG_DIST_UNITTESTS_TEMPDIR_H
#define CLANG_DIST_UNITTESTS_TEMPDIR_H

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

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

} // namespace clang::dist::test

#endif
