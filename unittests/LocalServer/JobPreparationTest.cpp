//===- unittests/LocalServer/JobPreparationTest.cpp - A job, prepared -----===//
//
// What a sources job's compile may read, from its cc1 arguments: every
// directory of the include search path, the resource directory, the
// source's directory, the working directory and the files its options name,
// absolute, and spelled as the compile spells them.
//
//===----------------------------------------------------------------------===//

#include "LocalServer/JobPreparation.h"
#include <algorithm>
#include <catch2/catch.hpp>

using namespace clang::dist;

namespace {

PreparedJob prepare(std::vector<std::string> Args, DistributionMode Mode) {
  SubmitJob Submit;
  Submit.WorkingDir = "/build/obj";
  Submit.Args = {"-cc1",      "-triple", "x86_64-pc-linux-gnu",
                 "-emit-obj", "-o",      "x.o"};
  Submit.Args.insert(Submit.Args.end(), Args.begin(), Args.end());
  Submit.Args.insert(Submit.Args.end(), {"-x", "c", "../src/lib/x.c"});
  SharedFileCache Cache(1 << 20, std::chrono::nanoseconds(0));
  return prepareJob(Submit, Mode, Cache);
}

ReadableRoots sorted(ReadableRoots Roots) {
  std::sort(Roots.begin(), Roots.end());
  return Roots;
}

} // namespace

TEST_CASE("A sources job may read its include path and its inputs",
          "[JobPreparation]") {
  PreparedJob P = prepare({"-resource-dir",
                           "/usr/lib/llvm-16/lib/clang/16",
                           "-I",
                           "../include",
                           "-iquote",
                           "/q",
                           "-isystem",
                           "/sys",
                           "-idirafter",
                           "/after",
                           "-internal-isystem",
                           "/usr/lib/llvm-16/lib/clang/16/include",
                           "-internal-externc-isystem",
                           "/usr/include",
                           "-F",
                           "/frameworks",
                           "-include",
                           "config.h",
                           "-imacros",
                           "/m/macros.h",
                           "-fsanitize-ignorelist=/lists/ignore.txt",
                           "-fprofile-list=../prof.list"},
                          DistributionMode::Sources);
  REQUIRE(P.RunLocallyReason.empty());
  CHECK(
      sorted(P.Readable) ==
      sorted({"/build/obj", "/build/obj/../src/lib",
              "/usr/lib/llvm-16/lib/clang/16", "/build/obj/../include", "/q",
              "/sys", "/after", "/usr/lib/llvm-16/lib/clang/16/include",
              "/usr/include", "/frameworks", "/build/obj/config.h",
              "/m/macros.h", "/lists/ignore.txt", "/build/obj/../prof.list"}));
}

TEST_CASE("The sysroot goes before the directories it applies to",
          "[JobPreparation]") {
  PreparedJob P = prepare(
      {"-isysroot", "/sdk", "-iwithsysroot", "/usr/inc", "-I", "/plain"},
      DistributionMode::Sources);
  REQUIRE(P.RunLocallyReason.empty());
  CHECK(std::count(P.Readable.begin(), P.Readable.end(), "/sdk/usr/inc") == 1);
  CHECK(std::count(P.Readable.begin(), P.Readable.end(), "/usr/inc") == 0);
  CHECK(std::count(P.Readable.begin(), P.Readable.end(), "/plain") == 1);
}

TEST_CASE("Only the sources mode has readable roots", "[JobPreparation]") {
  CHECK(prepare({"-I", "/inc"}, DistributionMode::LocalFiles).Readable.empty());
}
