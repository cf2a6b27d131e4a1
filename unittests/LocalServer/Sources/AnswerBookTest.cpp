//===- unittests/LocalServer/Sources/AnswerBookTest.cpp - Answers ---------===//
//
// What the server tells workers about the client's files, and the check of
// the answers a result used: an answer nothing happened to is trusted
// without touching the disk, a changed file or a file that appeared makes
// the check fail, and a worker's question or claim that no compile could make
// is an error.
//
//===----------------------------------------------------------------------===//

#include "LocalServer/Sources/AnswerBook.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <sys/resource.h>
#include <sys/stat.h>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using Kind = PathInfo::PathKind;

namespace {

/// Written with an old mtime, so that the file cache may keep it.
void writeOld(const TempDir &D, llvm::StringRef Name, llvm::StringRef Text) {
  D.write(Name, Text);
  timespec Times[2] = {{1000, 0}, {1000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, D.file(Name).c_str(), Times, 0) == 0);
}

constexpr std::chrono::nanoseconds NoRacyWindow{0};

std::vector<const GivenAnswer *> used(const AnswerBook &Book,
                                      std::vector<uint32_t> Indices) {
  return unwrap(Book.consulted(Indices));
}

uint64_t cacheLookups(const SharedFileCache &Cache) {
  SharedFileCache::Statistics S = Cache.statistics();
  return S.Hits + S.Misses;
}

} // namespace

TEST_CASE("AnswerBook answers what a path is", "[AnswerBook]") {
  TempDir D;
  writeOld(D, "a.h", "int a;\n");
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  ChangeWatch Watch;
  AnswerBook Book(Cache, Watch);

  LookupReply File = unwrap(Book.answer({7, D.file("a.h")}));
  CHECK(File.Id == 7);
  CHECK(File.Index == 0);
  CHECK(File.Info.Kind == Kind::File);
  CHECK(File.Info.Size == 7);
  CHECK(File.Info.Digest == digestContents("int a;\n"));
  CHECK(File.Info.ModificationTime == 1000000000000ll);

  LookupReply Dir = unwrap(Book.answer({7, D.Path}));
  CHECK(Dir.Index == 1);
  CHECK(Dir.Info.Kind == Kind::Directory);
  // A directory's times change with every object a build writes into it.
  CHECK(Dir.Info.ModificationTime == 0);

  LookupReply Missing = unwrap(Book.answer({7, D.file("none.h")}));
  CHECK(Missing.Info.Kind == Kind::Missing);
  LookupReply NotDir = unwrap(Book.answer({7, D.file("a.h/b.h")}));
  CHECK(NotDir.Info.Kind == Kind::NotADirectory);

  // Another job: one job's questions see each directory as it was first.
  REQUIRE(::mkfifo(D.file("fifo").c_str(), 0600) == 0);
  LookupReply Fifo = unwrap(Book.answer({8, D.file("fifo")}));
  CHECK(Fifo.Info.Kind == Kind::Unavailable);

  // Every answer goes to every worker, in the order given.
  CHECK(Book.size() == 5);
  Answers Since = Book.since(3);
  REQUIRE(Since.Entries.size() == 2);
  CHECK(Since.Entries[0].Index == 3);
  CHECK(Since.Entries[0].Path == D.file("a.h/b.h"));
  CHECK(Since.Entries[1].Info.Kind == Kind::Unavailable);
}

TEST_CASE("AnswerBook refuses what no compile asks", "[AnswerBook]") {
  TempDir D;
  writeOld(D, "a.h", "int a;\n");
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  ChangeWatch Watch;
  AnswerBook Book(Cache, Watch);
  unwrap(Book.answer({1, D.file("a.h")}));

  CHECK_THAT(errorText(Book.answer({1, "a.h"})),
             Contains("Lookup of a path that is not absolute: 'a.h'"));
  CHECK_THAT(
      errorText(Book.answer({1, D.file("a.h") + std::string(1, '\0') + "x"})),
      Contains("not absolute"));

  CHECK(unwrap(Book.contents({1, {digestContents("int a;\n")}}))
            .Contents.size() == 1);
  CHECK_THAT(errorText(Book.contents({1, {digestContents("secret")}})),
             Contains("of no file it was told of"));

  CHECK_THAT(errorText(Book.consulted({1})),
             Contains("answer 1, which was not given"));
  CHECK_THAT(errorText(Book.consulted({0, 0})), Contains("named twice"));
}

TEST_CASE("checkAnswers trusts what nothing touched and finds what changed",
          "[AnswerBook]") {
  TempDir D;
  writeOld(D, "a.h", "int a;\n");
  writeOld(D, "b.h", "int b;\n");
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  ChangeWatch Watch;
  AnswerBook Book(Cache, Watch);
  unwrap(Book.answer({1, D.file("a.h")}));
  unwrap(Book.answer({1, D.file("gen.h")}));
  std::vector<const GivenAnswer *> Used = used(Book, {0, 1});

  SECTION("untouched: no look at the disk") {
    uint64_t Before = cacheLookups(Cache);
    writeOld(D, "b.h", "int bb;\n");
    AnswerCheck Check = checkAnswers(Cache, Watch, Used);
    CHECK(Check.Outcome == AnswerCheck::Verdict::True);
    CHECK(cacheLookups(Cache) == Before);
  }
  SECTION("touched but the same: looked at, and true") {
    writeOld(D, "a.h", "int a;\n");
    uint64_t Before = cacheLookups(Cache);
    // The same bytes, the same mtime: the same answer (the ctime is not in it).
    AnswerCheck Check = checkAnswers(Cache, Watch, Used);
    CHECK(Check.Outcome == AnswerCheck::Verdict::True);
    CHECK(cacheLookups(Cache) > Before);
  }
  SECTION("a rewritten header") {
    writeOld(D, "a.h", "int A;\n");
    AnswerCheck Check = checkAnswers(Cache, Watch, Used);
    CHECK(Check.Outcome == AnswerCheck::Verdict::Changed);
    CHECK(Check.Paths == std::vector<std::string>{D.file("a.h")});
  }
  SECTION("a header that appeared") {
    writeOld(D, "gen.h", "\n");
    AnswerCheck Check = checkAnswers(Cache, Watch, Used);
    CHECK(Check.Outcome == AnswerCheck::Verdict::Changed);
    CHECK(Check.Paths == std::vector<std::string>{D.file("gen.h")});
  }
  SECTION("a path no worker can be given") {
    REQUIRE(::mkfifo(D.file("fifo").c_str(), 0600) == 0);
    unwrap(Book.answer({2, D.file("fifo")}));
    AnswerCheck Check = checkAnswers(Cache, Watch, used(Book, {0, 2}));
    CHECK(Check.Outcome == AnswerCheck::Verdict::Unavailable);
  }
}

TEST_CASE("An answer given while out of descriptors is answered again",
          "[AnswerBook]") {
  // Issue 20: under a burst of clients an open failed with EMFILE, the book
  // kept "unavailable" for '/', and every later job of the server ran
  // locally.
  TempDir D;
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  ChangeWatch Watch;
  AnswerBook Book(Cache, Watch);
  // The same kinds of lookup once with descriptors to spare (a directory,
  // and an open that fails): UBSan checks the object of a virtual call the
  // first time with a pipe, which it could not open below.
  REQUIRE(llvm::sys::fs::create_directory(D.file("warm")) == std::error_code());
  CHECK(unwrap(Book.answer({1, D.file("warm")})).Info.Kind == Kind::Directory);
  CHECK(unwrap(Book.answer({1, D.file("absent")})).Info.Kind == Kind::Missing);
  rlimit Old;
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &Old) == 0);
  // No descriptor left to open the directory with: the lowest free one is
  // at or above the new limit.
  int Probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(Probe >= 0);
  ::close(Probe);
  rlimit Starved = Old;
  Starved.rlim_cur = Probe;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &Starved) == 0);
  llvm::Expected<LookupReply> During = Book.answer({1, D.Path});
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &Old) == 0);
  CHECK(unwrap(std::move(During)).Info.Kind == Kind::Unavailable);

  // The compile that used it runs again, not locally ...
  AnswerCheck Check = checkAnswers(Cache, Watch, used(Book, {2}));
  CHECK(Check.Outcome == AnswerCheck::Verdict::Changed);
  CHECK(Check.Transient);
  CHECK(Check.Paths == std::vector<std::string>{D.Path});
  // ... after the path is answered anew.
  Book.reanswer(D.Path);
  CHECK(Book.since(3).Entries.at(0).Info.Kind == Kind::Directory);
  CHECK(checkAnswers(Cache, Watch, used(Book, {3})).Outcome ==
        AnswerCheck::Verdict::True);
}

TEST_CASE("AnswerBook answers a job's source anew only if it changed",
          "[AnswerBook]") {
  TempDir D;
  writeOld(D, "conftest.c", "int main(void) { return 0; }\n");
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  ChangeWatch Watch;
  AnswerBook Book(Cache, Watch);
  unwrap(Book.answer({1, D.file("conftest.c")}));
  Book.refresh(D.file("conftest.c"));
  Book.refresh(D.file("never-asked.c"));
  CHECK(Book.size() == 1);
  writeOld(D, "conftest.c", "int main(void) { return 1; }\n");
  Book.refresh(D.file("conftest.c"));
  REQUIRE(Book.size() == 2);
  CHECK(Book.since(1).Entries[0].Info.Digest ==
        digestContents("int main(void) { return 1; }\n"));
  // What the workers were told before still names the old bytes, and the
  // check of a result that used it fails.
  CHECK(checkAnswers(Cache, Watch, used(Book, {0})).Outcome ==
        AnswerCheck::Verdict::Changed);
  CHECK(checkAnswers(Cache, Watch, used(Book, {1})).Outcome ==
        AnswerCheck::Verdict::True);
}
