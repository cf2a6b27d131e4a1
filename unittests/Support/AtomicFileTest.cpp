//===- unittests/Support/AtomicFileTest.cpp - Files replaced whole --------===//

#include "Support/AtomicFile.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include "llvm/Support/FileSystem.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;

TEST_CASE("AtomicFile shows the old contents until committed", "[AtomicFile]") {
  TempDir Dir;
  std::string Path = Dir.file("out");
  Dir.write("out", "old");
  AtomicFile File = unwrap(AtomicFile::create(Path, 0640));
  REQUIRE(!File.write("new "));
  REQUIRE(!File.write("contents"));
  CHECK(readFile(Path) == "old");
  CHECK(countEntries(Dir.Path) == 2);
  REQUIRE(!File.commit());
  CHECK(readFile(Path) == "new contents");
  CHECK(countEntries(Dir.Path) == 1);
}

TEST_CASE("AtomicFile gives the mode asked for, whatever the umask",
          "[AtomicFile]") {
  TempDir Dir;
  mode_t Old = ::umask(077);
  llvm::Error E = writeFileAtomically(Dir.file("a"), "x", 0664);
  ::umask(Old);
  REQUIRE(!E);
  CHECK(fileMode(Dir.file("a")) == 0664);
  REQUIRE(!writeFileAtomically(Dir.file("b"), "x", 0600));
  CHECK(fileMode(Dir.file("b")) == 0600);
}

TEST_CASE("AtomicFile left uncommitted leaves nothing", "[AtomicFile]") {
  TempDir Dir;
  Dir.write("out", "old");
  {
    AtomicFile File = unwrap(AtomicFile::create(Dir.file("out"), 0600));
    REQUIRE(!File.write("half"));
  }
  CHECK(readFile(Dir.file("out")) == "old");
  CHECK(countEntries(Dir.Path) == 1);
}

TEST_CASE("AtomicFile writes in the directory it is given", "[AtomicFile]") {
  TempDir Dir;
  REQUIRE(!llvm::sys::fs::create_directory(Dir.file("sub")));
  AtomicFile File =
      unwrap(AtomicFile::create(Dir.file("sub/blob"), 0600, Dir.Path));
  REQUIRE(!File.write("b"));
  CHECK(countEntries(Dir.file("sub")) == 0);
  CHECK(countEntries(Dir.Path) == 2);
  REQUIRE(!File.commit());
  CHECK(readFile(Dir.file("sub/blob")) == "b");
  CHECK(countEntries(Dir.Path) == 1);
}

TEST_CASE("AtomicFile names the path it cannot write", "[AtomicFile]") {
  TempDir Dir;
  CHECK_THAT(
      llvm::toString(writeFileAtomically(Dir.file("none/out"), "x", 0600)),
      Contains("cannot create a file beside '" + Dir.file("none/out") +
               "': No such file or directory"));
  CHECK_THAT(
      errorText(AtomicFile::create(Dir.file("x"), 0600, Dir.file("none"))),
      Contains("cannot create a file in '" + Dir.file("none") + "'"));
  // A directory in the way of the rename.
  REQUIRE(!llvm::sys::fs::create_directory(Dir.file("dir")));
  Dir.write("dir/f", "");
  CHECK_THAT(llvm::toString(writeFileAtomically(Dir.file("dir"), "x", 0600)),
             Contains("cannot write '" + Dir.file("dir") + "'"));
  CHECK(countEntries(Dir.Path) == 1);
}
