//===- unittests/Worker/RecordingFileSystemTest.cpp - Inputs looked at ----===//
//
// On real files: every path a compile's file system is asked about, once, in
// order, with what was found there; the digest of what was read, or of the
// file as it is when the compile only looked at it; and the calls no
// recorded state answers, which make the inputs unrecorded.
//
//===----------------------------------------------------------------------===//

#include "Worker/RecordingFileSystem.h"
#include "TempDir.h"
#include <catch2/catch.hpp>
#include <unistd.h>

using namespace clang::dist;
using namespace clang::dist::test;
using Kind = PathInfo::PathKind;

namespace {

/// A recording view of the disk at \p Dir.
llvm::IntrusiveRefCntPtr<RecordingFileSystem>
recordingAt(const std::string &Dir) {
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> Disk(
      llvm::vfs::createPhysicalFileSystem().release());
  REQUIRE(!Disk->setCurrentWorkingDirectory(Dir));
  return llvm::makeIntrusiveRefCnt<RecordingFileSystem>(Disk);
}

PathInfo onDisk(const std::string &Path) {
  llvm::sys::fs::file_status St;
  REQUIRE(!llvm::sys::fs::status(Path, St));
  PathInfo Info;
  Info.Kind = St.type() == llvm::sys::fs::file_type::directory_file
                  ? Kind::Directory
                  : Kind::File;
  Info.Device = St.getUniqueID().getDevice();
  Info.Inode = St.getUniqueID().getFile();
  if (Info.Kind == Kind::File) {
    Info.Size = St.getSize();
    Info.Digest = digestContents(readFile(Path));
  }
  return Info;
}

PathInfo ofKind(Kind K) {
  PathInfo Info;
  Info.Kind = K;
  return Info;
}

std::vector<std::string> pathsOf(const std::vector<CompileInput> &Inputs) {
  std::vector<std::string> Paths;
  for (const CompileInput &I : Inputs)
    Paths.push_back(I.Path);
  return Paths;
}

} // namespace

TEST_CASE("Every path looked at is recorded once, at its first look, "
          "absolute against the working directory",
          "[RecordingFileSystem]") {
  TempDir T;
  REQUIRE(!llvm::sys::fs::create_directory(T.file("inc")));
  T.write("inc/read.h", "int read;\n");
  T.write("inc/stat.h", "int only_stat;\n");
  auto FS = recordingAt(T.Path);

  CHECK(FS->status("inc"));
  CHECK_FALSE(FS->status("inc/missing.h"));
  CHECK_FALSE(FS->status("inc/read.h/x.h"));
  CHECK(FS->status(T.file("inc/stat.h")));
  auto File = FS->openFileForRead("inc/read.h");
  REQUIRE(File);
  CHECK((*File)->getBuffer("inc/read.h").get()->getBuffer() == "int read;\n");
  CHECK(FS->status("inc"));
  REQUIRE(FS->status("inc/read.h"));
  // The compile's view is the disk's.
  CHECK(FS->status("inc/read.h")->getSize() == 10);

  std::vector<CompileInput> Inputs = FS->takeInputs();
  CHECK_FALSE(FS->unrecorded());
  CHECK(pathsOf(Inputs) ==
        std::vector<std::string>{T.file("inc"), T.file("inc/missing.h"),
                                 T.file("inc/read.h/x.h"), T.file("inc/stat.h"),
                                 T.file("inc/read.h")});
  CHECK(Inputs[0].Info == onDisk(T.file("inc")));
  CHECK(Inputs[1].Info == ofKind(Kind::Missing));
  CHECK(Inputs[2].Info == ofKind(Kind::NotADirectory));
  // Only looked at: digested from the disk once the compile is over.
  CHECK(Inputs[3].Info == onDisk(T.file("inc/stat.h")));
  CHECK(Inputs[4].Info == onDisk(T.file("inc/read.h")));
  CHECK(Inputs[4].Info.ModificationTime == 0);
  CHECK(Inputs[4].Info.Permissions == 0);
}

TEST_CASE("A path seen two ways makes the inputs unrecorded",
          "[RecordingFileSystem]") {
  TempDir T;
  auto FS = recordingAt(T.Path);
  SECTION("a file that grew between a look and its read") {
    T.write("x.h", "int x;\n");
    REQUIRE(FS->status("x.h"));
    T.write("x.h", "int x, y;\n");
    auto File = FS->openFileForRead("x.h");
    REQUIRE(File);
    REQUIRE((*File)->getBuffer("x.h"));
  }
  SECTION("a file that appeared after it was missing") {
    REQUIRE_FALSE(FS->status("x.h"));
    T.write("x.h", "int x;\n");
    REQUIRE(FS->status("x.h"));
  }
  SECTION("a file written to after the compile read it") {
    // As many bytes, in place: what a mapped file shows the compile changes.
    T.write("x.h", "int x;\n");
    auto File = FS->openFileForRead("x.h");
    REQUIRE(File);
    REQUIRE((*File)->getBuffer("x.h"));
    T.write("x.h", "int y;\n");
    int FD;
    REQUIRE(!llvm::sys::fs::openFileForWrite(T.file("x.h"), FD,
                                             llvm::sys::fs::CD_OpenExisting));
    REQUIRE(!llvm::sys::fs::setLastAccessAndModificationTime(
        FD, llvm::sys::TimePoint<>(std::chrono::seconds(1))));
    ::close(FD);
  }
  SECTION("a file only looked at that changed before it was digested") {
    T.write("x.h", "int x;\n");
    REQUIRE(FS->status("x.h"));
    T.write("x.h", "int x, y;\n");
  }
  FS->takeInputs();
  CHECK(FS->unrecorded());
}

TEST_CASE("What no recorded state answers makes the inputs unrecorded",
          "[RecordingFileSystem]") {
  TempDir T;
  T.write("x.h", "int x;\n");
  auto FS = recordingAt(T.Path);
  SECTION("a directory listing") {
    std::error_code EC;
    llvm::vfs::directory_iterator It = FS->dir_begin(T.Path, EC);
    CHECK_FALSE(EC);
    // Listed as the disk has it.
    CHECK(It->path() == T.file("x.h"));
  }
  SECTION("a real path") {
    llvm::SmallString<128> Real;
    CHECK_FALSE(FS->getRealPath("x.h", Real));
    CHECK(Real == T.file("x.h"));
  }
  SECTION("an error other than a missing path") {
    CHECK_FALSE(FS->status(std::string(5000, 'a')));
  }
  SECTION("a file that is neither a file nor a directory") {
    CHECK(FS->status("/dev/null"));
  }
  CHECK(FS->takeInputs().empty());
  CHECK(FS->unrecorded());
}

TEST_CASE("A file opened through a symbolic link records its real path too",
          "[RecordingFileSystem]") {
  TempDir T;
  REQUIRE(!llvm::sys::fs::create_directory(T.file("real")));
  T.write("real/x.h", "int x;\n");
  REQUIRE(!llvm::sys::fs::create_link("real", T.file("link")));
  auto FS = recordingAt(T.Path);
  auto File = FS->openFileForRead("link/x.h");
  REQUIRE(File);
  // What clang's FileManager asks of every file it opens; the real path it
  // answers is what -Wnonportable-include-path compares the #include with.
  CHECK((*File)->getName().get() == T.file("real/x.h"));
  REQUIRE((*File)->getBuffer("link/x.h"));
  std::vector<CompileInput> Inputs = FS->takeInputs();
  CHECK_FALSE(FS->unrecorded());
  CHECK(pathsOf(Inputs) ==
        std::vector<std::string>{T.file("link/x.h"), T.file("real/x.h")});
  CHECK(Inputs[0].Info == onDisk(T.file("real/x.h")));
  CHECK(Inputs[1].Info == onDisk(T.file("real/x.h")));
}

TEST_CASE("Asking for the working directory records it",
          "[RecordingFileSystem]") {
  TempDir T;
  auto FS = recordingAt(T.Path);
  CHECK(FS->getCurrentWorkingDirectory().get() == T.Path);
  llvm::SmallString<128> Path("x.h");
  CHECK_FALSE(FS->makeAbsolute(Path));
  CHECK(Path == T.file("x.h"));
  std::vector<CompileInput> Inputs = FS->takeInputs();
  CHECK_FALSE(FS->unrecorded());
  REQUIRE(Inputs.size() == 1);
  CHECK(Inputs[0].Path == T.Path);
  CHECK(Inputs[0].Info == onDisk(T.Path));
}
