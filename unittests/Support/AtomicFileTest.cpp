//===- unittests/Support/AtomicFileTest.cpp - Files replaced whole --------===//

#include "Support/AtomicFile.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include <catch2/catch.hpp>
#include <sys/stat.h>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;

namespace {
std::string contents(const std::string &Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path);
  return Buffer ? (*Buffer)->getBuffer().str() : "<unreadable>";
}
unsigned modeOf(const std::string &Path) {
  struct stat St;
  return ::stat(Path.c_str(), &St) == 0 ? St.st_mode & 07777 : ~0u;
}
size_t entries(const std::string &Dir) {
  std::error_code EC;
  size_t N = 0;
  for (llvm::sys::fs::directory_iterator I(Dir, EC), E; I != E && !EC;
       I.increment(EC))
    ++N;
  return N;
}
} // namespace

TEST_CASE("AtomicFile shows the old contents until committed", "[AtomicFile]") {
  TempDir Dir;
  std::string Path = Dir.file("out");
  Dir.write("out", "old");
  AtomicFile File = unwrap(AtomicFile::create(Path, 0640));
  REQUIRE(!File.write("new "));
  REQUIRE(!File.write("contents"));
  CHECK(contents(Path) == "old");
  CHECK(entries(Dir.Path) == 2);
  REQUIRE(!File.commit());
  CHECK(contents(Path) == "new contents");
  CHECK(entries(Dir.Path) == 1);
}

TEST_CASE("AtomicFile gives the mode asked for, whatever the umask",
          "[AtomicFile]") {
  TempDir Dir;
  mode_t Old = ::umask(077);
  llvm::Error E = writeFileAtomically(Dir.file("a"), "x", 0664);
  ::umask(Old);
  REQUIRE(!E);
  CHECK(modeOf(Dir.file("a")) == 0664);
  REQUIRE(!writeFileAtomically(Dir.file("b"), "x", 0600));
  CHECK(modeOf(Dir.file("b")) == 0600);
}

TEST_CASE("AtomicFile left uncommitted leaves nothing", "[AtomicFile]") {
  TempDir Dir;
  Dir.write("out", "old");
  {
    AtomicFile File = unwrap(AtomicFile::create(Dir.file("out"), 0600));
    REQUIRE(!File.write("half"));
  }
  CHECK(contents(Dir.file("out")) == "old");
  CHECK(entries(Dir.Path) == 1);
}

TEST_CASE("AtomicFile writes in the directory it is given", "[AtomicFile]") {
  TempDir Dir;
  REQUIRE(!llvm::sys::fs::create_directory(Dir.file("sub")));
  AtomicFile File =
      unwrap(AtomicFile::create(Dir.file("sub/blob"), 0600, Dir.Path));
  REQUIRE(!File.write("b"));
  CHECK(entries(Dir.file("sub")) == 0);
  CHECK(entries(Dir.Path) == 2);
  REQUIRE(!File.commit());
  CHECK(contents(Dir.file("sub/blob")) == "b");
  CHECK(entries(Dir.Path) == 1);
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
  CHECK(entries(Dir.Path) == 1);
}
