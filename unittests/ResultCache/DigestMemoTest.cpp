//===- unittests/ResultCache/DigestMemoTest.cpp - Digests across servers --===//

#include "ResultCache/DigestMemo.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

using namespace clang::dist;
using namespace clang::dist::test;

namespace {

FileStamp stamp(uint64_t Inode, uint64_t Size = 10) {
  FileStamp S;
  S.ID = llvm::sys::fs::UniqueID(7, Inode);
  S.Size = Size;
  S.ModificationTime = std::chrono::seconds(1000);
  S.ChangeTime = std::chrono::seconds(1001);
  return S;
}

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct MemoFixture {
  TempDir Dir;
  std::string Path = Dir.file("digests");
  Logger Log = unwrap(Logger::openFile(Dir.file("log"), "test"));
};

} // namespace

TEST_CASE_METHOD(MemoFixture, "DigestMemo: a later server finds what an "
                              "earlier one learned, for the same stamp only") {
  ContentDigest A = digestContents("a"), B = digestContents("b");
  {
    DigestMemo First(Path, Log);
    CHECK_FALSE(First.find("/src/a.h", stamp(1)));
    First.learn("/src/a.h", stamp(1), A);
    First.learn("/src/b.h", stamp(2), B);
    // Relative paths mean nothing to another server.
    First.learn("b.h", stamp(2), B);
    First.save();
    CHECK(First.counts().Learned == 2);
  }
  DigestMemo Second(Path, Log);
  CHECK(Second.find("/src/a.h", stamp(1)) == A);
  CHECK(Second.find("/src/b.h", stamp(2)) == B);
  CHECK_FALSE(Second.find("b.h", stamp(2)));
  CHECK(Second.counts().Loaded == 2);
  CHECK(Second.counts().Reused == 2);

  // Every field of the stamp counts: a rename (inode), another device, an
  // edit (size, mtime), an edit with its mtime set back (ctime).
  FileStamp Other = stamp(1);
  Other.ID = llvm::sys::fs::UniqueID(7, 99);
  CHECK_FALSE(Second.find("/src/a.h", Other));
  Other = stamp(1);
  Other.ID = llvm::sys::fs::UniqueID(8, 1);
  CHECK_FALSE(Second.find("/src/a.h", Other));
  CHECK_FALSE(Second.find("/src/a.h", stamp(1, 11)));
  Other = stamp(1);
  Other.ModificationTime += std::chrono::nanoseconds(1);
  CHECK_FALSE(Second.find("/src/a.h", Other));
  Other = stamp(1);
  Other.ChangeTime += std::chrono::nanoseconds(1);
  CHECK_FALSE(Second.find("/src/a.h", Other));
  // Another path with the same stamp: the digest is the path's.
  CHECK_FALSE(Second.find("/src/c.h", stamp(1)));
}

TEST_CASE_METHOD(MemoFixture, "DigestMemo: a server that only reuses writes "
                              "nothing") {
  {
    DigestMemo First(Path, Log);
    First.learn("/a.h", stamp(1), digestContents("a"));
    First.save();
  }
  {
    // Used today already: not marked used again.
    DigestMemo Second(Path, Log);
    REQUIRE(Second.find("/a.h", stamp(1)));
    ::unlink(Path.c_str());
    Second.save();
  }
  CHECK_FALSE(llvm::sys::fs::exists(Path));
}

TEST_CASE_METHOD(MemoFixture, "DigestMemo: a damaged file is ignored whole, "
                              "with one log line, and replaced") {
  {
    DigestMemo First(Path, Log);
    First.learn("/a.h", stamp(1), digestContents("a"));
    First.learn("/b.h", stamp(2), digestContents("b"));
    First.save();
  }
  std::string Good = readFile(Path);
  std::string Flipped = Good;
  Flipped[Flipped.size() - 5] ^= 1;
  std::string Manifest = Good;
  Manifest[8] = 'm';
  for (const std::string &Bad :
       {Good.substr(0, Good.size() - 1), Good.substr(0, 20), Flipped, Manifest,
        std::string("garbage"), std::string()}) {
    std::ofstream(Path, std::ios::binary | std::ios::trunc) << Bad;
    DigestMemo Memo(Path, Log);
    CHECK_FALSE(Memo.find("/a.h", stamp(1)));
    CHECK_FALSE(Memo.find("/b.h", stamp(2)));
    CHECK(Memo.counts().Loaded == 0);
  }
  std::string Text = readFile(Dir.file("log"));
  size_t Lines = 0;
  for (size_t At = Text.find("ignored the file digests");
       At != std::string::npos;
       At = Text.find("ignored the file digests", At + 1))
    ++Lines;
  CHECK(Lines == 6);

  // A server that learns writes a good file over the damaged one.
  {
    DigestMemo Memo(Path, Log);
    Memo.learn("/c.h", stamp(3), digestContents("c"));
    Memo.save();
  }
  DigestMemo After(Path, Log);
  CHECK(After.find("/c.h", stamp(3)) == digestContents("c"));
}

TEST_CASE("DigestMemo: a body that decodes only as garbage is refused") {
  DigestMemo::Entries E;
  E["/a.h"] = {stamp(1), digestContents("a"), 5};
  std::string Good = DigestMemo::encode(E);
  DigestMemo::Entries Back = unwrap(DigestMemo::decode(Good));
  CHECK(Back.lookup("/a.h") == E["/a.h"]);
  DigestMemo::Entries Relative;
  Relative["a.h"] = {stamp(1), digestContents("a"), 5};
  auto Bad = DigestMemo::decode(DigestMemo::encode(Relative));
  CHECK_FALSE(static_cast<bool>(Bad));
  llvm::consumeError(Bad.takeError());
}

TEST_CASE_METHOD(MemoFixture, "DigestMemo: servers that write at once keep "
                              "what each learned") {
  constexpr int Servers = 4, Files = 50;
  std::vector<std::thread> Threads;
  for (int S = 0; S != Servers; ++S)
    Threads.emplace_back([&, S] {
      for (int F = 0; F != Files; ++F) {
        DigestMemo Memo(Path, Log);
        std::string Name = "/s" + std::to_string(S) + "/" + std::to_string(F);
        Memo.learn(Name, stamp(S * Files + F), digestContents(Name));
        Memo.save();
      }
    });
  for (std::thread &T : Threads)
    T.join();
  DigestMemo Memo(Path, Log);
  for (int S = 0; S != Servers; ++S)
    for (int F = 0; F != Files; ++F) {
      std::string Name = "/s" + std::to_string(S) + "/" + std::to_string(F);
      CHECK(Memo.find(Name, stamp(S * Files + F)) == digestContents(Name));
    }
}

TEST_CASE("DigestMemo: a merge keeps the entry used last, drops the old and "
          "holds the count") {
  int64_t Now = nowSeconds();
  DigestMemo::Entries Mine, Theirs;
  Mine["/a.h"] = {stamp(1), digestContents("a1"), Now - 100};
  Theirs["/a.h"] = {stamp(2), digestContents("a2"), Now - 50};
  Mine["/b.h"] = {stamp(3), digestContents("b1"), Now - 50};
  Theirs["/b.h"] = {stamp(4), digestContents("b2"), Now - 100};
  Theirs["/c.h"] = {stamp(5), digestContents("c"), Now};
  int64_t Old = Now - std::chrono::seconds(DigestMemo::MaxAge).count() - 1;
  Theirs["/old.h"] = {stamp(6), digestContents("old"), Old};
  DigestMemo::merge(Mine, Theirs, Now);
  CHECK(Mine.size() == 3);
  CHECK(Mine["/a.h"].Stamp == stamp(2));
  CHECK(Mine["/b.h"].Stamp == stamp(3));
  CHECK(Mine.count("/c.h"));
  CHECK_FALSE(Mine.count("/old.h"));

  DigestMemo::Entries Many;
  for (size_t I = 0; I != DigestMemo::MaxEntries + 10; ++I)
    Many["/f" + std::to_string(I)] = {stamp(I), ContentDigest{},
                                      Now - static_cast<int64_t>(I % 3)};
  Many["/newest"] = {stamp(0), ContentDigest{}, Now + 1};
  DigestMemo::merge(Many, {}, Now);
  CHECK(Many.size() == DigestMemo::MaxEntries);
  CHECK(Many.count("/newest"));
  // The least recently used went first.
  size_t Oldest = 0;
  for (const auto &[Name, E] : Many)
    Oldest += E.UsedAt == Now - 2;
  CHECK(Oldest < (DigestMemo::MaxEntries + 10) / 3);
}
