//===- Driver/ClientCommandLineTest.cpp - --help, --version, typos --------===//

#include "Driver/ClientCommandLine.h"
#include "ExpectedMatchers.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;

namespace {
llvm::Expected<OwnOutput> decide(std::initializer_list<const char *> Args) {
  llvm::SmallVector<const char *, 8> Argv(Args);
  return ownOutput(Argv);
}
} // namespace

TEST_CASE("a compile needs nothing of clang-dist's", "[ClientCommandLine]") {
  CHECK(unwrap(decide({"clang-dist", "-O2", "-c", "x.c", "-o", "x.o"})) ==
        OwnOutput::None);
  CHECK(unwrap(decide({"clang-dist", "--target=x86_64-linux-gnu", "-c",
                       "x.c"})) == OwnOutput::None);
}

TEST_CASE("help comes first, the version after, as clang answers them",
          "[ClientCommandLine]") {
  CHECK(unwrap(decide({"clang-dist", "--help"})) == OwnOutput::HelpFirst);
  CHECK(unwrap(decide({"clang-dist", "-help"})) == OwnOutput::HelpFirst);
  CHECK(unwrap(decide({"clang-dist", "--help-hidden"})) ==
        OwnOutput::HelpFirst);
  CHECK(unwrap(decide({"clang-dist", "--version"})) == OwnOutput::VersionAfter);
  // clang prints its help, not its version, for both.
  CHECK(unwrap(decide({"clang-dist", "--version", "--help"})) ==
        OwnOutput::HelpFirst);
  // clang prints only the version number for -dumpversion.
  CHECK(unwrap(decide({"clang-dist", "--version", "-dumpversion"})) ==
        OwnOutput::None);
  // A value, not an option: clang writes the object to a file of that name.
  CHECK(unwrap(decide({"clang-dist", "-c", "x.c", "-o", "--help"})) ==
        OwnOutput::None);
}

TEST_CASE("a near miss of clang-dist's option is its error, with a suggestion",
          "[ClientCommandLine]") {
  CHECK(errorText(decide({"clang-dist", "--distributd", "a.conf", "-c"})) ==
        "unknown argument '--distributd'; did you mean '--distributed'?");
  CHECK(errorText(decide({"clang-dist", "-c", "--dstributed=a.conf"})) ==
        "unknown argument '--dstributed=a.conf'; did you mean "
        "'--distributed=a.conf'?");
  // clang would take it for its -d with a value, and a.conf for an input.
  CHECK(errorText(decide({"clang-dist", "-distributed", "a.conf", "-c"})) ==
        "unknown argument '-distributed'; did you mean '--distributed'?");
}

TEST_CASE("clang's own options and its near misses stay clang's",
          "[ClientCommandLine]") {
  // Far from every option of clang-dist's: clang calls it unsupported.
  CHECK(unwrap(decide({"clang-dist", "--verison"})) == OwnOutput::None);
  CHECK(unwrap(decide({"clang-dist", "--distributed-compilation"})) ==
        OwnOutput::None);
  // Near one of ours, but a value of clang's option.
  CHECK(unwrap(decide({"clang-dist", "-c", "x.c", "-o", "--distributd"})) ==
        OwnOutput::None);
  CHECK(unwrap(decide({"clang-dist", "-c", "x.c", "-o", "-distributed"})) ==
        OwnOutput::None);
  // clang's -d letters.
  CHECK(unwrap(decide({"clang-dist", "-E", "-dM", "x.c"})) == OwnOutput::None);
}
