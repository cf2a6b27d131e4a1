//===- unittests/Support/DiskStoreTest.cpp - Files by key, held to a size -===//
//
// Eviction and size accounting are tested through the blob store
// (unittests/Worker/BlobStoreTest.cpp); here, what any store of it relies
// on: keys of any kind, what a reader sees, and removal.
//
//===----------------------------------------------------------------------===//

#include "Support/DiskStore.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;

TEST_CASE("DiskStore keeps files by key, and removes them", "[DiskStore]") {
  TempDir T;
  DiskStore S = unwrap(DiskStore::open(T.file("store"), 1 << 20, "store"));
  CHECK_FALSE(S.load("abc123"));
  REQUIRE_FALSE(llvm::errorToBool(S.store("abc123", "first")));
  REQUIRE_FALSE(llvm::errorToBool(S.store("abd", "second")));
  CHECK(readFile(T.file("store/ab/abc123")) == "first");
  CHECK(readFile(T.file("store/lock")) == "11\n");
  CHECK(S.bytes() == 11);

  auto Loaded = S.load("abc123");
  REQUIRE(Loaded);
  CHECK(Loaded->getBuffer() == "first");
  CHECK(*Loaded->getBufferEnd() == '\0');

  // A file replaced: the reader holds what it read, the count the new size.
  REQUIRE_FALSE(llvm::errorToBool(S.store("abc123", "replaced")));
  CHECK(Loaded->getBuffer() == "first");
  CHECK(readFile(T.file("store/lock")) == "14\n");

  S.remove("abc123");
  CHECK_FALSE(S.load("abc123"));
  CHECK(readFile(T.file("store/lock")) == "6\n");
  CHECK(S.bytes() == 6);
  // Removing what is gone changes nothing.
  S.remove("abc123");
  CHECK(readFile(T.file("store/lock")) == "6\n");
  CHECK(S.load("abd")->getBuffer() == "second");
}

TEST_CASE("DiskStore's errors name what the directory is for", "[DiskStore]") {
  TempDir T;
  CHECK_THAT(
      errorText(DiskStore::open(T.file("missing/store"), 1,
                                "result cache directory")),
      Catch::Matchers::Contains("cannot create result cache directory '" +
                                T.file("missing/store") + "'"));
}
