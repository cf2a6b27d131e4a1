//===- Driver/LauncherTest.cpp - clang-dist COMPILER ARGS... --------------===//

#include "Driver/Launcher.h"
#include "TempDir.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;

namespace {
/// A file of \p Dir with mode \p Mode.
std::string makeFile(const TempDir &Dir, llvm::StringRef Name,
                     unsigned Mode = 0755) {
  Dir.write(Name, "#!/bin/sh\n");
  REQUIRE(::chmod(Dir.file(Name).c_str(), Mode) == 0);
  return Dir.file(Name);
}

std::optional<LaunchedCompiler> find(std::initializer_list<const char *> Args,
                                     llvm::StringRef Embedded) {
  llvm::SmallVector<const char *, 8> Argv(Args);
  return findLaunchedCompiler(Argv, Embedded);
}
} // namespace

TEST_CASE("COMPILER is the first argument after clang-dist's own options",
          "[Launcher]") {
  TempDir Dir;
  std::string Embedded = makeFile(Dir, "clang");
  std::string Gcc = makeFile(Dir, "gcc");
  std::optional<LaunchedCompiler> Other = find(
      {"clang-dist", "--distributed", "a.conf", Gcc.c_str(), "-c"}, Embedded);
  REQUIRE(Other);
  CHECK(Other->Index == 3);
  CHECK(Other->Path == Gcc);
  CHECK_FALSE(Other->IsEmbeddedClang);

  std::optional<LaunchedCompiler> Joined =
      find({"clang-dist", "--distributed=a.conf", Gcc.c_str()}, Embedded);
  REQUIRE(Joined);
  CHECK(Joined->Index == 2);
}

TEST_CASE("the embedded clang by another name is clang-dist's", "[Launcher]") {
  TempDir Dir;
  std::string Embedded = makeFile(Dir, "clang");
  REQUIRE(!llvm::sys::fs::create_link(Embedded, Dir.file("clang++-16")));
  std::optional<LaunchedCompiler> Linked =
      find({"clang-dist", Dir.file("clang++-16").c_str(), "-c"}, Embedded);
  REQUIRE(Linked);
  CHECK(Linked->IsEmbeddedClang);
  // A copy is another clang.
  std::string Copy = makeFile(Dir, "clang-copy");
  std::optional<LaunchedCompiler> Copied =
      find({"clang-dist", Copy.c_str(), "-c"}, Embedded);
  REQUIRE(Copied);
  CHECK_FALSE(Copied->IsEmbeddedClang);
}

TEST_CASE("inputs and options are not compilers", "[Launcher]") {
  TempDir Dir;
  std::string Embedded = makeFile(Dir, "clang");
  std::string Object = makeFile(Dir, "main.o");
  std::string Library = makeFile(Dir, "libfoo.so");
  std::string Versioned = makeFile(Dir, "libfoo.so.1.2");
  std::string Plain = makeFile(Dir, "data", 0644);
  for (const std::string &Input : {Object, Library, Versioned, Plain})
    CHECK_FALSE(find({"clang-dist", Input.c_str(), "-o", "prog"}, Embedded));
  CHECK_FALSE(find({"clang-dist", "-c", Embedded.c_str()}, Embedded));
  CHECK_FALSE(find({"clang-dist", "@args.rsp"}, Embedded));
  CHECK_FALSE(find({"clang-dist", "x.c"}, Embedded));
  CHECK_FALSE(find({"clang-dist", "no-such-compiler-anywhere"}, Embedded));
  CHECK_FALSE(find({"clang-dist", "--distributed"}, Embedded));
  CHECK_FALSE(find({"clang-dist"}, Embedded));
}
