//===- unittests/Worker/ClientFileSystemTest.cpp - The client's files -----===//
//
// A compile's view of the client's files, over a channel that answers from a
// table instead of a local server: what is asked and when, what a compile is
// told, which answers it used, and what a lost connection does to it.
//
//===----------------------------------------------------------------------===//

#include "Worker/ClientFileSystem.h"
#include "llvm/ADT/StringMap.h"
#include <algorithm>
#include <catch2/catch.hpp>

using namespace clang::dist;
using Kind = PathInfo::PathKind;

namespace {

/// A local server that knows a few paths and refuses those under /secret;
/// everything else is missing.
class FakeChannel : public ServerChannel {
public:
  void addFile(llvm::StringRef Path, llvm::StringRef Text) {
    PathInfo Info;
    Info.Kind = Kind::File;
    Info.Inode = ++LastInode;
    Info.Size = Text.size();
    Info.Digest = digestContents(Text);
    Info.Permissions = 0644;
    Known[Path] = Info;
    Blobs[toHex(Info.Digest)] = Text.str();
  }
  void addDirectory(llvm::StringRef Path) {
    PathInfo Info;
    Info.Kind = Kind::Directory;
    Info.Inode = ++LastInode;
    Known[Path] = Info;
  }

  llvm::Expected<LookupReply> lookup(llvm::StringRef Path) override {
    Asked.push_back(Path.str());
    if (Lost)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "lost");
    if (Path.startswith("/secret"))
      return LookupReply{1, 0, PathInfo{Kind::Refused}};
    LookupReply Reply{1, NextIndex++, PathInfo()};
    auto It = Known.find(Path);
    if (It != Known.end())
      Reply.Info = It->second;
    return Reply;
  }
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>>
  contents(const ContentDigest &Digest, uint64_t) override {
    ++ContentsAsked;
    if (Lost)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "lost");
    return std::shared_ptr<llvm::MemoryBuffer>(
        llvm::MemoryBuffer::getMemBufferCopy(Blobs.lookup(toHex(Digest))));
  }

  std::vector<std::string> Asked;
  unsigned ContentsAsked = 0;
  bool Lost = false;

private:
  llvm::StringMap<PathInfo> Known;
  llvm::StringMap<std::string> Blobs;
  uint64_t LastInode = 0;
  uint32_t NextIndex = 0;
};

std::string read(llvm::vfs::FileSystem &FS, llvm::StringRef Path) {
  auto File = FS.openFileForRead(Path);
  REQUIRE(File);
  auto Buffer = (*File)->getBuffer(Path);
  REQUIRE(Buffer);
  return (*Buffer)->getBuffer().str();
}

} // namespace

TEST_CASE("ClientFileSystem asks about a path once per connection",
          "[ClientFileSystem]") {
  FakeChannel Channel;
  Channel.addDirectory("/src");
  Channel.addFile("/src/a.h", "int a;\n");
  ClientAnswers Answers;
  ClientFileSystem FS(Answers, Channel, "/src");

  // Relative paths are the working directory's, spelled as the compile
  // spells them (no dots removed).
  CHECK(read(FS, "a.h") == "int a;\n");
  CHECK(read(FS, "/src/a.h") == "int a;\n");
  CHECK(FS.status("./a.h").getError() == std::errc::no_such_file_or_directory);
  CHECK(FS.status("/src").get().isDirectory());
  CHECK(Channel.Asked ==
        std::vector<std::string>{"/src/a.h", "/src/./a.h", "/src"});
  // The contents are loaded once per job, whatever the spelling.
  CHECK(Channel.ContentsAsked == 1);
  // Every answer used, each once.
  std::vector<uint32_t> Used = FS.consulted();
  std::sort(Used.begin(), Used.end());
  CHECK(Used == std::vector<uint32_t>{0, 1, 2});

  // The next job of the connection asks nothing about what it was told.
  ClientFileSystem Next(Answers, Channel, "/src");
  CHECK(read(Next, "a.h") == "int a;\n");
  CHECK(Channel.Asked.size() == 3);
  CHECK(Next.consulted() == std::vector<uint32_t>{0});
}

TEST_CASE("ClientFileSystem keeps what it cannot be told from the compile",
          "[ClientFileSystem]") {
  FakeChannel Channel;
  Channel.addDirectory("/src");
  ClientAnswers Answers;
  ClientFileSystem FS(Answers, Channel, "/src");

  SECTION("a directory's listing marks the job unanswerable") {
    std::error_code EC;
    FS.dir_begin("/src", EC);
    CHECK(EC);
    CHECK(FS.unanswerable());
  }
  SECTION("a path the server cannot give is no file for the compile") {
    Answers["/src/fifo"] = LookupReply{1, 7, PathInfo()};
    Answers["/src/fifo"].Info.Kind = Kind::Unavailable;
    CHECK(FS.status("/src/fifo").getError());
    // The server sees that it was used, and runs the job locally.
    CHECK(FS.consulted() == std::vector<uint32_t>{7});
  }
  SECTION("a directory opens, as on the client, and fails to be read") {
    auto Dir = FS.openFileForRead("/src");
    REQUIRE(Dir);
    CHECK((*Dir)->getBuffer("/src").getError() == std::errc::is_a_directory);
  }
}

TEST_CASE("ClientFileSystem fails a compile whose connection is lost",
          "[ClientFileSystem]") {
  FakeChannel Channel;
  Channel.addFile("/src/a.h", "int a;\n");
  ClientAnswers Answers;
  ClientFileSystem FS(Answers, Channel, "/src");
  auto File = FS.openFileForRead("/src/a.h");
  REQUIRE(File);
  Channel.Lost = true;
  // Neither a question nor contents come back: an I/O error, never a file
  // that is missing or empty.
  CHECK((*File)->getBuffer("/src/a.h").getError() == std::errc::io_error);
  CHECK(FS.status("/src/b.h").getError() == std::errc::io_error);
  // A failed question leaves no answer behind for the next job.
  CHECK(Answers.count("/src/b.h") == 0);
}

TEST_CASE("ClientFileSystem stops asking once a path is refused",
          "[ClientFileSystem]") {
  FakeChannel Channel;
  Channel.addFile("/src/a.h", "int a;\n");
  Channel.addFile("/src/b.h", "int b;\n");
  ClientAnswers Answers;
  ClientFileSystem FS(Answers, Channel, "/src");
  CHECK(read(FS, "a.h") == "int a;\n");

  CHECK(FS.status("/secret/key").getError() == std::errc::permission_denied);
  // The job runs on the client: no more questions, not even about what the
  // connection knows.
  CHECK(FS.status("/src/b.h").getError() == std::errc::permission_denied);
  CHECK(FS.openFileForRead("a.h").getError() == std::errc::permission_denied);
  CHECK(Channel.Asked == std::vector<std::string>{"/src/a.h", "/secret/key"});
  // A refusal is not an answer: not used, and not kept for the next job.
  CHECK(FS.consulted() == std::vector<uint32_t>{0});
  CHECK(Answers.count("/secret/key") == 0);

  ClientFileSystem Next(Answers, Channel, "/src");
  CHECK(read(Next, "b.h") == "int b;\n");
}
