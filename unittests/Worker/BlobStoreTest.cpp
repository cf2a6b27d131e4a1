//===- unittests/Worker/BlobStoreTest.cpp - A worker's blob cache ---------===//
//
// The store is shared by every user of a worker: what it returns must be the
// contents the digest names, whatever happened to the files on disk; it
// must stay within its limit by evicting what was used least recently; and
// it must refuse a directory someone else could plant blobs in.
//
//===----------------------------------------------------------------------===//

#include "Worker/BlobStore.h"
#include "ExpectedMatchers.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using namespace std::string_literals;

namespace {

/// A directory removed with its contents at the end of the test. The store
/// itself goes in a subdirectory it creates: the temporary directory's own
/// mode depends on the umask.
class TempDir {
public:
  TempDir() {
    llvm::SmallString<128> P;
    REQUIRE(!llvm::sys::fs::createUniqueDirectory("blobstore", P));
    Path = std::string(P);
  }
  ~TempDir() { llvm::sys::fs::remove_directories(Path); }
  std::string file(llvm::StringRef Name) const {
    return Path + "/" + Name.str();
  }
  std::string Path;
};

std::string readFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

void writeFile(const std::string &Path, llvm::StringRef Text) {
  std::ofstream(Path, std::ios::binary | std::ios::trunc) << Text.str();
}

bool exists(const std::string &Path) {
  struct stat St;
  return ::lstat(Path.c_str(), &St) == 0;
}

std::string blobPath(const BlobStore &S, const ContentDigest &D) {
  std::string Hex = toHex(D);
  return S.directory() + "/" + Hex.substr(0, 2) + "/" + Hex;
}

/// The byte count the store keeps in its lock file.
std::string lockCount(const BlobStore &S) {
  return llvm::StringRef(readFile(S.directory() + "/lock")).trim().str();
}

/// The bytes of every blob file on disk.
uint64_t bytesOnDisk(const BlobStore &S) {
  uint64_t Total = 0;
  std::error_code EC;
  for (llvm::sys::fs::recursive_directory_iterator I(S.directory(), EC), End;
       !EC && I != End; I.increment(EC)) {
    struct stat St;
    if (::stat(I->path().c_str(), &St) == 0 && S_ISREG(St.st_mode) &&
        llvm::sys::path::filename(I->path()) != "lock")
      Total += St.st_size;
  }
  return Total;
}

void setModificationTime(const std::string &Path, time_t Seconds) {
  timespec Times[2] = {{Seconds, 0}, {Seconds, 0}};
  REQUIRE(::utimensat(AT_FDCWD, Path.c_str(), Times, 0) == 0);
}

time_t modificationTime(const std::string &Path) {
  struct stat St;
  REQUIRE(::stat(Path.c_str(), &St) == 0);
  return St.st_mtime;
}

/// Contents of \p Size bytes, different for each \p Seed.
std::string contents(char Seed, size_t Size) {
  std::string S(Size, Seed);
  S[0] = '#';
  return S;
}

std::string errorOf(llvm::Expected<BlobStore> Store) {
  return errorText(std::move(Store));
}

/// Stores \p Text under its digest, or fails the test.
void store(const BlobStore &S, llvm::StringRef Text) {
  if (llvm::Error E = S.store(digestContents(Text), Text))
    FAIL("store failed: " << llvm::toString(std::move(E)));
}

} // namespace

TEST_CASE("BlobStore keeps contents by digest", "[BlobStore]") {
  TempDir T;
  BlobStore S = unwrap(BlobStore::open(T.file("cache"), 1 << 20));
  CHECK(S.directory() == T.file("cache"));
  const std::string Text = "int x;\n\0binary\xff"s;
  ContentDigest D = digestContents(Text);

  store(S, Text);
  // DIR/xx/<hex>, the contents as they were, and their size counted.
  CHECK(readFile(blobPath(S, D)) == Text);
  CHECK(lockCount(S) == std::to_string(Text.size()));

  bool Corrupt = false;
  auto Loaded = S.load(D, Corrupt);
  REQUIRE(Loaded);
  CHECK_FALSE(Corrupt);
  CHECK(Loaded->getBuffer() == Text);
  // Clang's source manager needs the terminating NUL.
  CHECK(*Loaded->getBufferEnd() == '\0');

  // Another store sees it: the slots of a worker share the directory.
  BlobStore Other = unwrap(BlobStore::open(T.file("cache"), 1 << 20));
  auto Again = Other.load(D, Corrupt);
  REQUIRE(Again);
  CHECK(Again->getBuffer() == Text);

  // Empty contents are contents too.
  ContentDigest Empty = digestContents("");
  store(S, "");
  auto EmptyLoaded = S.load(Empty, Corrupt);
  REQUIRE(EmptyLoaded);
  CHECK(EmptyLoaded->getBufferSize() == 0);
  CHECK_FALSE(Corrupt);
}

TEST_CASE("BlobStore does not have what it was never given", "[BlobStore]") {
  TempDir T;
  BlobStore S = unwrap(BlobStore::open(T.file("cache"), 1 << 20));
  bool Corrupt = false;
  CHECK_FALSE(S.load(digestContents("never stored"), Corrupt));
  CHECK_FALSE(Corrupt);
}

TEST_CASE("BlobStore leaves no temporary files behind", "[BlobStore]") {
  TempDir T;
  BlobStore S = unwrap(BlobStore::open(T.file("cache"), 1 << 20));
  for (char C : {'a', 'b', 'c'}) {
    std::string Text = contents(C, 100);
    store(S, Text);
  }
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator I(S.directory(), EC), End;
       !EC && I != End; I.increment(EC))
    CHECK_FALSE(llvm::sys::path::filename(I->path()).startswith("tmp-"));
  CHECK(bytesOnDisk(S) == 300);
  CHECK(lockCount(S) == "300");
}

TEST_CASE("BlobStore never returns contents damaged on disk", "[BlobStore]") {
  TempDir T;
  BlobStore S = unwrap(BlobStore::open(T.file("cache"), 1 << 20));
  const std::string Text = "#define VALUE 1\n";
  ContentDigest D = digestContents(Text);
  store(S, Text);
  std::string Path = blobPath(S, D);

  SECTION("one byte changed, same size") {
    writeFile(Path, "#define VALUE 2\n");
  }
  SECTION("truncated") { writeFile(Path, "#define"); }
  SECTION("emptied") { writeFile(Path, ""); }
  SECTION("grown") { writeFile(Path, Text + "int extra;\n"); }

  bool Corrupt = false;
  CHECK_FALSE(S.load(D, Corrupt));
  CHECK(Corrupt);
  // Deleted, so that the next job asks for the contents again...
  CHECK_FALSE(exists(Path));
  Corrupt = false;
  CHECK_FALSE(S.load(D, Corrupt));
  CHECK_FALSE(Corrupt);
  // ...and they are kept again, right this time.
  store(S, Text);
  auto Loaded = S.load(D, Corrupt);
  REQUIRE(Loaded);
  CHECK_FALSE(Corrupt);
  CHECK(Loaded->getBuffer() == Text);
}

TEST_CASE("BlobStore counts the bytes its files hold", "[BlobStore]") {
  // The lock file holds the bytes stored: what decides when to evict.
  TempDir T;
  BlobStore S = unwrap(BlobStore::open(T.file("cache"), 1 << 20));
  const std::string A = contents('a', 1000), B = contents('b', 300);
  store(S, A);
  store(S, B);
  REQUIRE(lockCount(S) == "1300");

  SECTION("contents stored twice are one file") {
    // Two slots that both lacked a header both receive and store it.
    store(S, A);
    CHECK(bytesOnDisk(S) == 1300);
    CHECK(lockCount(S) == "1300");
  }

  SECTION("a damaged blob deleted, then stored again") {
    writeFile(blobPath(S, digestContents(A)), contents('x', 1000));
    bool Corrupt = false;
    CHECK_FALSE(S.load(digestContents(A), Corrupt));
    REQUIRE(Corrupt);
    CHECK(bytesOnDisk(S) == 300);
    store(S, A);
    CHECK(bytesOnDisk(S) == 1300);
    CHECK(lockCount(S) == "1300");
  }

  SECTION("trim recounts what is on disk") {
    // A worker killed between a write and its accounting, or files removed
    // by hand: trim() (the supervisor runs it at start) corrects the count.
    REQUIRE(::unlink(blobPath(S, digestContents(B)).c_str()) == 0);
    S.trim();
    CHECK(lockCount(S) == "1000");
  }
}

TEST_CASE("BlobStore evicts the least recently used blobs", "[BlobStore]") {
  TempDir T;
  // Past 1000 bytes, down to 750.
  BlobStore S = unwrap(BlobStore::open(T.file("cache"), 1000));
  std::vector<std::string> Texts;
  std::vector<ContentDigest> Digests;
  for (char C : {'0', '1', '2', '3'}) {
    Texts.push_back(contents(C, 200));
    Digests.push_back(digestContents(Texts.back()));
    store(S, Texts.back());
  }
  REQUIRE(lockCount(S) == "800");
  // Last used: 1 first, then 2, 3, and 0 most recently; all long ago.
  setModificationTime(blobPath(S, Digests[1]), 1000000);
  setModificationTime(blobPath(S, Digests[2]), 2000000);
  setModificationTime(blobPath(S, Digests[3]), 3000000);
  setModificationTime(blobPath(S, Digests[0]), 4000000);

  SECTION("a store past the limit") {
    // 1100 bytes: 1 and 2 go (900, then 700 <= 750); the new one, used
    // now, stays.
    std::string New = contents('n', 300);
    store(S, New);
    CHECK_FALSE(exists(blobPath(S, Digests[1])));
    CHECK_FALSE(exists(blobPath(S, Digests[2])));
    CHECK(exists(blobPath(S, Digests[3])));
    CHECK(exists(blobPath(S, Digests[0])));
    CHECK(exists(blobPath(S, digestContents(New))));
    CHECK(bytesOnDisk(S) == 700);
    CHECK(lockCount(S) == "700");
  }

  SECTION("a load is a use") {
    // Loading 1, the oldest, refreshes it: 2 and 3 go instead.
    bool Corrupt = false;
    REQUIRE(S.load(Digests[1], Corrupt));
    CHECK(modificationTime(blobPath(S, Digests[1])) > 4000000);
    std::string New = contents('n', 300);
    store(S, New);
    CHECK(exists(blobPath(S, Digests[1])));
    CHECK_FALSE(exists(blobPath(S, Digests[2])));
    CHECK_FALSE(exists(blobPath(S, Digests[3])));
    CHECK(exists(blobPath(S, Digests[0])));
    CHECK(lockCount(S) == "700");
  }

  SECTION("within the limit nothing is evicted") {
    std::string New = contents('n', 200);
    store(S, New);
    CHECK(bytesOnDisk(S) == 1000);
    CHECK(lockCount(S) == "1000");
    S.trim();
    CHECK(bytesOnDisk(S) == 1000);
  }

  SECTION("a blob larger than the whole limit") {
    // Kept by nobody, but the store does not fail: the job has the
    // contents in memory.
    std::string Huge = contents('h', 1500);
    store(S, Huge);
    CHECK(bytesOnDisk(S) <= 750);
    CHECK(lockCount(S) == std::to_string(bytesOnDisk(S)));
  }
}

TEST_CASE("BlobStore refuses a directory others could write to",
          "[BlobStore]") {
  TempDir T;

  SECTION("a missing directory is created private") {
    unwrap(BlobStore::open(T.file("new"), 1 << 20));
    struct stat St;
    REQUIRE(::stat(T.file("new").c_str(), &St) == 0);
    CHECK((St.st_mode & 07777) == 0700);
    CHECK(exists(T.file("new/lock")));
  }

  SECTION("a file") {
    writeFile(T.file("file"), "x");
    CHECK_THAT(errorOf(BlobStore::open(T.file("file"), 1 << 20)),
               Contains("'" + T.file("file") + "' is not a directory"));
  }

  SECTION("a directory anyone may write to") {
    REQUIRE(::mkdir(T.file("open").c_str(), 0700) == 0);
    REQUIRE(::chmod(T.file("open").c_str(), 0777) == 0);
    CHECK_THAT(errorOf(BlobStore::open(T.file("open"), 1 << 20)),
               Contains("'" + T.file("open") + "' is writable by others"));
    // Nothing was created in it.
    CHECK_FALSE(exists(T.file("open/lock")));
  }

  SECTION("a directory its group may write to") {
    REQUIRE(::mkdir(T.file("group").c_str(), 0700) == 0);
    REQUIRE(::chmod(T.file("group").c_str(), 0770) == 0);
    CHECK_THAT(errorOf(BlobStore::open(T.file("group"), 1 << 20)),
               Contains("is writable by others"));
  }

  SECTION("a symbolic link to a good directory") {
    REQUIRE(::mkdir(T.file("real").c_str(), 0700) == 0);
    REQUIRE(::symlink("real", T.file("link").c_str()) == 0);
    CHECK_THAT(errorOf(BlobStore::open(T.file("link"), 1 << 20)),
               Contains("'" + T.file("link") + "'"));
    CHECK_FALSE(exists(T.file("real/lock")));
  }

  SECTION("under a missing directory") {
    CHECK_THAT(errorOf(BlobStore::open(T.file("missing/cache"), 1 << 20)),
               Contains("cannot create"));
  }
}
