//===- unittests/ResultCache/ManifestTest.cpp - A job's input sets --------===//

#include "ResultCache/Manifest.h"
#include "ExpectedMatchers.h"
#include "ResultCache/Seal.h"
#include <catch2/catch.hpp>
#include <map>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using Kind = PathInfo::PathKind;

namespace {

PathInfo file(llvm::StringRef Text, uint64_t Inode) {
  PathInfo I;
  I.Kind = Kind::File;
  I.Device = 1;
  I.Inode = Inode;
  I.Digest = digestContents(Text);
  return I;
}

PathInfo missing() { return PathInfo(); }

/// A disk of paths, counting how often each is asked about; none is
/// described if \p Blind names it.
struct Disk {
  std::map<std::string, PathInfo> Paths;
  std::map<std::string, unsigned> Asked;
  std::string Blind;
  std::vector<std::optional<PathInfo>>
  operator()(llvm::ArrayRef<llvm::StringRef> Ask) {
    std::vector<std::optional<PathInfo>> Now;
    for (llvm::StringRef Path : Ask) {
      ++Asked[Path.str()];
      auto It = Paths.find(Path.str());
      if (Path == Blind)
        Now.push_back(std::nullopt);
      else
        Now.push_back(It == Paths.end() ? missing() : It->second);
    }
    return Now;
  }
};

std::vector<CompileInput> inputsOf(const Disk &D,
                                   std::vector<std::string> Paths) {
  std::vector<CompileInput> In;
  for (const std::string &P : Paths) {
    auto It = D.Paths.find(P);
    In.push_back({P, It == D.Paths.end() ? missing() : It->second});
  }
  return In;
}

} // namespace

TEST_CASE("A manifest finds the set the disk shows now", "[ResultCache]") {
  Disk D;
  D.Paths["/src/a.c"] = file("a", 1);
  D.Paths["/inc2/a.h"] = file("v1", 2);
  std::vector<std::string> Looked = {"/src/a.c", "/inc1/a.h", "/inc2/a.h"};
  InputSet First = describeInputs(inputsOf(D, Looked));

  Manifest M;
  M.add(First);
  // Through its encoding, as a store keeps it.
  M = unwrap(Manifest::decode(M.encode()));
  std::optional<InputSet> Found = M.match(std::ref(D));
  REQUIRE(Found);
  CHECK(Found->Paths == First.Paths);
  CHECK(Found->States == First.States);

  // A header edited: no set matches; its new set is found after it is added.
  D.Paths["/inc2/a.h"] = file("v2", 2);
  CHECK_FALSE(M.match(std::ref(D)));
  InputSet Second = describeInputs(inputsOf(D, Looked));
  M.add(Second);
  M = unwrap(Manifest::decode(M.encode()));
  CHECK(M.sets() == 2);
  Found = M.match(std::ref(D));
  REQUIRE(Found);
  CHECK(Found->States == Second.States);

  // Back to the first version: the older set matches, each path asked once
  // although both sets name it.
  D.Paths["/inc2/a.h"] = file("v1", 2);
  D.Asked.clear();
  Found = M.match(std::ref(D));
  REQUIRE(Found);
  CHECK(Found->States == First.States);
  for (const auto &[Path, Times] : D.Asked)
    CHECK(Times == 1);

  // A shadowing header appears in the earlier directory.
  D.Paths["/inc1/a.h"] = file("v1", 3);
  CHECK_FALSE(M.match(std::ref(D)));
  D.Paths.erase("/inc1/a.h");

  // Two paths become one file: not the compile either set saw.
  D.Paths["/inc2/a.h"] = file("a", 1);
  D.Paths["/src/a.c"] = file("a", 1);
  CHECK_FALSE(M.match(std::ref(D)));

  // A path that cannot be described now matches nothing.
  D.Paths["/inc2/a.h"] = file("v1", 2);
  D.Blind = "/src/a.c";
  CHECK(M.match(std::ref(D)) == std::nullopt);
}

TEST_CASE("A manifest keeps the newest sets", "[ResultCache]") {
  Manifest M;
  for (unsigned I = 0; I != Manifest::MaxSets + 3; ++I)
    M.add(describeInputs({{"/a.h", file(std::to_string(I), 1)}}));
  CHECK(M.sets() == Manifest::MaxSets);
  // Adding an equal set moves it first instead of adding one.
  M.add(describeInputs({{"/a.h", file("5", 1)}}));
  CHECK(M.sets() == Manifest::MaxSets);
  M = unwrap(Manifest::decode(M.encode()));
  Disk D;
  D.Paths["/a.h"] = file("2", 1);
  CHECK_FALSE(M.match(std::ref(D)));
  D.Paths["/a.h"] = file(std::to_string(Manifest::MaxSets + 2), 1);
  CHECK(M.match(std::ref(D)));
}

TEST_CASE("A damaged manifest is refused", "[ResultCache]") {
  Manifest M;
  M.add(describeInputs({{"/a.h", file("x", 1)}, {"/b.h", missing()}}));
  std::string Good = M.encode();
  for (size_t Cut : {size_t(0), size_t(10), Good.size() - 1})
    CHECK_THAT(errorText(Manifest::decode(Good.substr(0, Cut))),
               Contains("not a clang-dist cache value") || Contains("damaged"));
  std::string Flipped = Good;
  Flipped.back() ^= 1;
  CHECK_THAT(errorText(Manifest::decode(Flipped)), Contains("damaged"));
  CHECK_THAT(
      errorText(Manifest::decode(seal(SealedKind::Result, Good.substr(41)))),
      Contains("another kind"));
  // Well sealed, badly made: a count larger than the rest, an index out of
  // range, an unknown kind, trailing bytes.
  for (llvm::StringRef Body :
       {llvm::StringRef("\xff\xff\xff\x7f", 4),
        llvm::StringRef("\0\0\0\0\0\0\0\0\1\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\0"
                        "\0\0\0",
                        28),
        llvm::StringRef("\0\0\0\0\1\0\0\0\x09\0\0\0\0", 13),
        llvm::StringRef("\0\0\0\0\0\0\0\0\0\0\0\0x", 13)})
    CHECK_THAT(errorText(Manifest::decode(seal(SealedKind::Manifest, Body))),
               Contains("a malformed manifest"));
}
