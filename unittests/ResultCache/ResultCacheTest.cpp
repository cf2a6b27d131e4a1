//===- unittests/ResultCache/ResultCacheTest.cpp - Lookups and inserts ----===//
//
// Over real stores on disk: two local stores stand for the user's and a
// team's (SharedStoreTest has the Redis one).
//
//===----------------------------------------------------------------------===//

#include "ResultCache/ResultCache.h"
#include "ExpectedMatchers.h"
#include "Protocol/Compression.h"
#include "ResultCache/LocalStore.h"
#include "TempDir.h"
#include "llvm/Support/FileSystem.h"
#include <catch2/catch.hpp>
#include <map>

using namespace clang::dist;
using namespace clang::dist::test;

namespace {

PathInfo file(llvm::StringRef Text, uint64_t Inode) {
  PathInfo I;
  I.Kind = PathInfo::PathKind::File;
  I.Device = 1;
  I.Inode = Inode;
  I.Digest = digestContents(Text);
  return I;
}

CompileResult compiled(llvm::StringRef Object) {
  CompileResult R;
  R.Diagnostics = "warning: replayed\n";
  R.Outputs = {{OutputKind::Primary, Object.size(), compress(Object)}};
  return R;
}

std::vector<OutputBytes> written(llvm::StringRef Object) {
  return {{OutputKind::Primary, Object.str()}};
}

std::string objectOf(const ResultCache::Hit &H) {
  return H.Result.Outputs.at(0).Bytes;
}

/// Every file under \p Dir but the store's lock.
std::vector<std::string> storedFiles(const std::string &Dir) {
  std::vector<std::string> Files;
  std::error_code EC;
  for (llvm::sys::fs::recursive_directory_iterator I(Dir, EC), End;
       !EC && I != End; I.increment(EC))
    if (I->type() == llvm::sys::fs::file_type::regular_file &&
        !llvm::StringRef(I->path()).endswith("/lock"))
      Files.push_back(I->path());
  return Files;
}

struct Fixture {
  TempDir Dir;
  Logger Log = unwrap(Logger::openFile(Dir.file("log"), "test"));
  std::map<std::string, PathInfo> Disk = {{"/src/a.c", file("int a;", 1)},
                                          {"/src/a.h", file("v1", 2)}};
  std::vector<CompileInput> inputs() const {
    return {{"/src/a.c", Disk.at("/src/a.c")},
            {"/src/a.h", Disk.at("/src/a.h")}};
  }
  std::vector<std::optional<PathInfo>>
  now(llvm::ArrayRef<llvm::StringRef> Paths) const {
    std::vector<std::optional<PathInfo>> Now;
    for (llvm::StringRef Path : Paths) {
      auto It = Disk.find(Path.str());
      Now.push_back(It == Disk.end() ? PathInfo() : It->second);
    }
    return Now;
  }
  std::unique_ptr<CacheStore> store(llvm::StringRef Name) {
    return unwrap(LocalStore::open(Dir.file(Name), 1 << 30));
  }
  ResultCache cache(bool Shared = false) {
    return ResultCache(store("local"), Shared ? store("shared") : nullptr, Log);
  }
};

const ContentDigest Job = digestContents("job");

} // namespace

TEST_CASE("A result is found while its inputs are unchanged", "[ResultCache]") {
  Fixture F;
  auto Now = [&](llvm::ArrayRef<llvm::StringRef> P) { return F.now(P); };
  ResultCache Cache = F.cache();
  CHECK_FALSE(Cache.lookup(Job, false, Now));
  Cache.insert(Job, describeInputs(F.inputs()), false, compiled("v1 object"),
               written("v1 object"));
  std::optional<ResultCache::Hit> Hit = Cache.lookup(Job, false, Now);
  REQUIRE(Hit);
  CHECK_FALSE(Hit->Shared);
  CHECK(objectOf(*Hit) == "v1 object");
  CHECK(Hit->Result.Diagnostics == "warning: replayed\n");
  // Another job, or another header, is a miss.
  CHECK_FALSE(Cache.lookup(digestContents("other"), false, Now));
  F.Disk["/src/a.h"] = file("v2", 2);
  CHECK_FALSE(Cache.lookup(Job, false, Now));
  Cache.insert(Job, describeInputs(F.inputs()), false, compiled("v2 object"),
               written("v2 object"));
  CHECK(objectOf(*Cache.lookup(Job, false, Now)) == "v2 object");
  F.Disk["/src/a.h"] = file("v1", 2);
  CHECK(objectOf(*Cache.lookup(Job, false, Now)) == "v1 object");
  // A new server finds it: the store is on disk.
  ResultCache Later = F.cache();
  CHECK(objectOf(*Later.lookup(Job, false, Now)) == "v1 object");
}

TEST_CASE("A preprocessed job's key holds its inputs", "[ResultCache]") {
  Fixture F;
  ResultCache Cache = F.cache();
  unsigned Asked = 0;
  auto Now = [&](llvm::ArrayRef<llvm::StringRef> Paths) {
    Asked += Paths.size();
    return std::vector<std::optional<PathInfo>>(Paths.size());
  };
  Cache.insert(Job, InputSet(), true, compiled("text object"),
               written("text object"));
  CHECK(objectOf(*Cache.lookup(Job, true, Now)) == "text object");
  CHECK(Asked == 0);
}

TEST_CASE("A hit from the shared store is kept locally", "[ResultCache]") {
  Fixture F;
  auto Now = [&](llvm::ArrayRef<llvm::StringRef> P) { return F.now(P); };
  {
    // Another user, whose local store is elsewhere, filled the shared one.
    ResultCache Other(F.store("other"), F.store("shared"), F.Log);
    Other.insert(Job, describeInputs(F.inputs()), false, compiled("theirs"),
                 written("theirs"));
  }
  ResultCache Cache = F.cache(/*Shared=*/true);
  std::optional<ResultCache::Hit> Hit = Cache.lookup(Job, false, Now);
  REQUIRE(Hit);
  CHECK(Hit->Shared);
  CHECK(objectOf(*Hit) == "theirs");
  ResultCache LocalOnly = F.cache();
  Hit = LocalOnly.lookup(Job, false, Now);
  REQUIRE(Hit);
  CHECK_FALSE(Hit->Shared);
}

TEST_CASE("The local store keeps outputs as written, the shared one "
          "compressed",
          "[ResultCache]") {
  Fixture F;
  auto Now = [&](llvm::ArrayRef<llvm::StringRef> P) { return F.now(P); };
  std::string Object(1 << 20, 'x');
  F.cache(/*Shared=*/true)
      .insert(Job, describeInputs(F.inputs()), false, compiled(Object),
              written(Object));
  auto Largest = [&](llvm::StringRef Store) {
    uint64_t Size = 0;
    for (const std::string &File : storedFiles(F.Dir.file(Store))) {
      uint64_t S = 0;
      llvm::sys::fs::file_size(File, S);
      Size = std::max(Size, S);
    }
    return Size;
  };
  CHECK(Largest("local") > Object.size());
  CHECK(Largest("shared") < Object.size() / 100);
  // Either way a hit has the object as it is written.
  ResultCache SharedOnly(nullptr, F.store("shared"), F.Log);
  CHECK(objectOf(*SharedOnly.lookup(Job, false, Now)) == Object);
  CHECK(objectOf(*F.cache().lookup(Job, false, Now)) == Object);
}

TEST_CASE("A damaged store file is a miss, and removed", "[ResultCache]") {
  Fixture F;
  auto Now = [&](llvm::ArrayRef<llvm::StringRef> P) { return F.now(P); };
  for (bool Truncate : {true, false}) {
    INFO((Truncate ? "truncated" : "a bit flipped"));
    ResultCache Cache = F.cache();
    Cache.insert(Job, describeInputs(F.inputs()), false, compiled("object"),
                 written("object"));
    std::vector<std::string> Files = storedFiles(F.Dir.file("local"));
    REQUIRE(Files.size() == 2);
    for (const std::string &Path : Files) {
      std::string Text = readFile(Path);
      if (Truncate)
        Text.resize(Text.size() / 2);
      else
        Text[Text.size() - 3] ^= 1;
      std::error_code EC;
      llvm::raw_fd_ostream(Path, EC) << Text;
      REQUIRE(!EC);
      CHECK_FALSE(Cache.lookup(Job, false, Now));
      CHECK_FALSE(llvm::sys::fs::exists(Path));
      // A fresh insert repairs it.
      Cache.insert(Job, describeInputs(F.inputs()), false, compiled("object"),
                   written("object"));
      CHECK(Cache.lookup(Job, false, Now));
    }
  }
}

TEST_CASE("Another user's cache directory is refused", "[ResultCache]") {
  TempDir Dir;
  std::string Open = Dir.file("open");
  REQUIRE(!llvm::sys::fs::create_directory(Open));
  llvm::sys::fs::setPermissions(Open, llvm::sys::fs::all_all);
  CHECK_THAT(errorText(LocalStore::open(Open, 1 << 20)),
             Catch::Matchers::Contains("result cache directory"));
}

TEST_CASE("With no local store, the shared one serves alone", "[ResultCache]") {
  // A refused cache directory leaves a server with a team's store only.
  Fixture F;
  auto Now = [&](llvm::ArrayRef<llvm::StringRef> P) { return F.now(P); };
  ResultCache Cache(nullptr, F.store("shared"), F.Log);
  REQUIRE(Cache.active());
  CHECK_FALSE(Cache.lookup(Job, false, Now));
  Cache.insert(Job, describeInputs(F.inputs()), false, compiled("shared"),
               written("shared"));
  std::optional<ResultCache::Hit> Hit = Cache.lookup(Job, false, Now);
  REQUIRE(Hit);
  CHECK(Hit->Shared);
  CHECK(objectOf(*Hit) == "shared");
  CHECK_FALSE(ResultCache(nullptr, nullptr, F.Log).active());
}
