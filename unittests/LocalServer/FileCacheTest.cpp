//===- unittests/LocalServer/FileCacheTest.cpp - The shared file cache ----===//

#include "LocalServer/FileCache.h"
#include "TempDir.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>

using namespace clang::dist;
using clang::dist::test::TempDir;

namespace {


std::string read(llvm::vfs::FileSystem &FS, const llvm::Twine &Path) {
  auto File = FS.openFileForRead(Path);
  REQUIRE(File);
  auto Buffer = (*File)->getBuffer(Path);
  REQUIRE(Buffer);
  return (*Buffer)->getBuffer().str();
}

/// A file's change time cannot be set back, and every file of a test was just
/// written: caches that are to serve them from memory trust them at once.
constexpr std::chrono::nanoseconds NoRacyWindow{0};

/// Sets the file's mtime, so that two writes within one timestamp tick still
/// look different, or look the same on purpose.
void setModificationTime(const std::string &Path, time_t Seconds) {
  timespec Times[2] = {{Seconds, 0}, {Seconds, 0}};
  REQUIRE(::utimensat(AT_FDCWD, Path.c_str(), Times, 0) == 0);
}

} // namespace

TEST_CASE("FileCache serves a file read before from memory", "[FileCache]") {
  TempDir D;
  D.write("a.h", "int a;\n");
  setModificationTime(D.file("a.h"), 1000);
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  auto FS = Cache.viewFor(D.Path);
  CHECK(read(*FS, "a.h") == "int a;\n");
  CHECK(read(*FS, D.file("a.h")) == "int a;\n");
  // The second view shares the cache: one miss in all, then hits.
  auto Other = Cache.viewFor("/");
  CHECK(read(*Other, D.file("a.h")) == "int a;\n");
  CHECK(Cache.statistics().Misses == 1);
  CHECK(Cache.statistics().Hits == 2);
}

TEST_CASE("FileCache views resolve relative paths against their own working "
          "directory",
          "[FileCache]") {
  TempDir D;
  REQUIRE(!llvm::sys::fs::create_directory(D.file("sub")));
  D.write("sub/b.h", "int b;\n");
  REQUIRE(!llvm::sys::fs::create_link(D.Path, D.file("link")));
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  auto FS = Cache.viewFor(D.Path);
  CHECK(*FS->getCurrentWorkingDirectory() == D.Path);

  // As clang's file manager asks: the status keeps the name asked for.
  auto St = FS->status("sub/b.h");
  REQUIRE(St);
  CHECK(St->getName() == "sub/b.h");
  CHECK(St->getSize() == 7);
  CHECK_FALSE(FS->status("sub/missing.h"));

  llvm::SmallString<256> Real;
  REQUIRE(!FS->getRealPath("link/sub/b.h", Real));
  CHECK(Real == D.file("sub/b.h"));

  std::error_code EC;
  auto It = FS->dir_begin("sub", EC);
  REQUIRE(!EC);
  REQUIRE(It != llvm::vfs::directory_iterator());
  CHECK(llvm::sys::path::filename(It->path()) == "b.h");

  REQUIRE(!FS->setCurrentWorkingDirectory("sub"));
  CHECK(*FS->getCurrentWorkingDirectory() == D.file("sub"));
  CHECK(read(*FS, "b.h") == "int b;\n");
  CHECK(FS->setCurrentWorkingDirectory("b.h") ==
        std::make_error_code(std::errc::not_a_directory));
  CHECK(FS->setCurrentWorkingDirectory("nowhere"));
  CHECK(*FS->getCurrentWorkingDirectory() == D.file("sub"));

  // A working directory spelled through a link, as $PWD may give it.
  auto Linked = Cache.viewFor(D.file("link"));
  CHECK(read(*Linked, "sub/b.h") == "int b;\n");
  // Other views are not moved by one's change of directory.
  CHECK(*Cache.viewFor(D.Path)->getCurrentWorkingDirectory() == D.Path);
}

TEST_CASE("FileCache sees a header that changed", "[FileCache]") {
  TempDir D;
  D.write("a.h", "int a;\n");
  setModificationTime(D.file("a.h"), 1000);
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  auto FS = Cache.viewFor(D.Path);
  REQUIRE(read(*FS, "a.h") == "int a;\n");

  SECTION("to a different size") {
    D.write("a.h", "int a, b;\n");
    setModificationTime(D.file("a.h"), 1000);
    CHECK(read(*FS, "a.h") == "int a, b;\n");
  }
  SECTION("to the same size with a new modification time") {
    D.write("a.h", "int b;\n");
    setModificationTime(D.file("a.h"), 2000);
    CHECK(read(*FS, "a.h") == "int b;\n");
  }
  SECTION("by a rename over it (a new inode)") {
    D.write("new.h", "int c;\n");
    setModificationTime(D.file("new.h"), 1000);
    REQUIRE(!llvm::sys::fs::rename(D.file("new.h"), D.file("a.h")));
    CHECK(read(*FS, "a.h") == "int c;\n");
  }
}

TEST_CASE("FileCache sees a header rewritten with its size and mtime kept",
          "[FileCache]") {
  // What cp over the file and touch -d, tar or rsync -t leave: only the
  // change time tells.
  TempDir D;
  D.write("a.h", "int a;\n");
  setModificationTime(D.file("a.h"), 1000);
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  auto FS = Cache.viewFor(D.Path);
  REQUIRE(read(*FS, "a.h") == "int a;\n");
  struct stat Before;
  REQUIRE(::stat(D.file("a.h").c_str(), &Before) == 0);
  // The change time has a tick too: wait for it to move.
  struct stat After;
  do {
    D.write("a.h", "int b;\n");
    setModificationTime(D.file("a.h"), 1000);
    REQUIRE(::stat(D.file("a.h").c_str(), &After) == 0);
  } while (After.st_ctim.tv_sec == Before.st_ctim.tv_sec &&
           After.st_ctim.tv_nsec == Before.st_ctim.tv_nsec);
  REQUIRE(After.st_ino == Before.st_ino);
  CHECK(read(*FS, "a.h") == "int b;\n");
}

TEST_CASE("FileCache does not trust a file written just now", "[FileCache]") {
  // Two writes within one timestamp tick: same size, same mtime.
  TempDir D;
  time_t Now = ::time(nullptr);
  D.write("gen.h", "int a;\n");
  setModificationTime(D.file("gen.h"), Now);
  SharedFileCache Cache;
  auto FS = Cache.viewFor(D.Path);
  REQUIRE(read(*FS, "gen.h") == "int a;\n");
  D.write("gen.h", "int b;\n");
  setModificationTime(D.file("gen.h"), Now);
  CHECK(read(*FS, "gen.h") == "int b;\n");
}

TEST_CASE("FileCache sees a header created after a failed lookup",
          "[FileCache]") {
  // The directory's listing says the file is not there, until the directory
  // changes. One view is one translation unit, which clang's file manager
  // would not look at twice: the next one sees the new file.
  TempDir D;
  D.write("other.h", "\n");
  setModificationTime(D.Path, 1000);
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  auto Before = Cache.viewFor(D.Path);
  CHECK_FALSE(Before->openFileForRead("generated.h"));
  CHECK_FALSE(Before->status("generated.h"));
  CHECK(Before->status("other.h"));
  // Neither miss asked the disk.
  CHECK(Cache.statistics().AbsentFromListings == 2);
  D.write("generated.h", "#define GENERATED 1\n");
  auto After = Cache.viewFor(D.Path);
  CHECK(read(*After, "generated.h") == "#define GENERATED 1\n");
  CHECK(After->status(D.file("generated.h")));

  SECTION("even with the directory's mtime set back") {
    // Its change time still moves.
    setModificationTime(D.Path, 1000);
    D.write("late.h", "\n");
    setModificationTime(D.Path, 1000);
    CHECK_FALSE(Cache.viewFor(D.Path)->status("later.h"));
    D.write("later.h", "\n");
    setModificationTime(D.Path, 1000);
    CHECK(Cache.viewFor(D.Path)->status("later.h"));
  }
}

TEST_CASE("FileCache does not trust a directory listing of just now",
          "[FileCache]") {
  // Within one timestamp tick a directory can gain an entry and keep its
  // times: such a directory is not listed, every lookup asks the disk.
  TempDir D;
  SharedFileCache Cache;
  CHECK_FALSE(Cache.viewFor(D.Path)->status("new.h"));
  CHECK(Cache.statistics().AbsentFromListings == 0);
  time_t Now = ::time(nullptr);
  setModificationTime(D.Path, Now);
  D.write("new.h", "\n");
  setModificationTime(D.Path, Now);
  CHECK(Cache.viewFor(D.Path)->status("new.h"));
}

TEST_CASE("FileCache keeps each view's working directory", "[FileCache]") {
  TempDir One, Two;
  One.write("config.h", "one\n");
  Two.write("config.h", "two\n");
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  auto A = Cache.viewFor(One.Path);
  auto B = Cache.viewFor(Two.Path);
  CHECK(read(*A, "config.h") == "one\n");
  CHECK(read(*B, "config.h") == "two\n");
  CHECK(read(*A, "config.h") == "one\n");
}

TEST_CASE("FileCache reports the name it was asked for", "[FileCache]") {
  TempDir D;
  D.write("a.h", "x\n");
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  auto FS = Cache.viewFor(D.Path);
  (void)read(*FS, "a.h");
  auto File = FS->openFileForRead("./a.h");
  REQUIRE(File);
  auto Status = (*File)->status();
  REQUIRE(Status);
  // The file manager treats another name as a redirection.
  CHECK(Status->getName() == "./a.h");
}

TEST_CASE("FileCache starts over past its byte limit", "[FileCache]") {
  TempDir D;
  D.write("a.h", std::string(600, 'a'));
  D.write("b.h", std::string(600, 'b'));
  setModificationTime(D.file("a.h"), 1000);
  setModificationTime(D.file("b.h"), 1000);
  SharedFileCache Cache(/*ByteLimit=*/1000, NoRacyWindow);
  auto FS = Cache.viewFor(D.Path);
  std::string A = read(*FS, "a.h");
  CHECK(Cache.statistics().Bytes == 600);
  std::string B = read(*FS, "b.h");
  CHECK(Cache.statistics().Bytes == 600);
  // A buffer handed out before the cache dropped it stays valid.
  CHECK(A == std::string(600, 'a'));
  CHECK(B == std::string(600, 'b'));
}

TEST_CASE("FileCache gives the stamp of a read only when the file had "
          "settled",
          "[FileCache]") {
  TempDir D;
  D.write("a.h", "int a;\n");
  OpenedFiles Opened;
  {
    // Just written: a second write within the tick would keep the stamp.
    SharedFileCache Cache;
    auto FS = Cache.viewFor("/", &Opened);
    PathLookup Found = lookUpPath(*FS, Opened, D.file("a.h"));
    REQUIRE(Found.Contents);
    CHECK_FALSE(Found.Contents->settledStamp());
  }
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  auto FS = Cache.viewFor("/", &Opened);
  PathLookup Found = lookUpPath(*FS, Opened, D.file("a.h"));
  REQUIRE(Found.Contents);
  REQUIRE(Found.Contents->settledStamp());
  struct stat St;
  REQUIRE(::stat(D.file("a.h").c_str(), &St) == 0);
  CHECK(*Found.Contents->settledStamp() == stampOf(St));
}
