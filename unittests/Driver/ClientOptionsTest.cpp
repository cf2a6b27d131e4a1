//===- Driver/ClientOptionsTest.cpp - clang-dist's own options ------------===//

#include "Driver/ClientOptions.h"
#include "ExpectedMatchers.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;

namespace {
llvm::SmallVector<const char *, 8>
argv(std::initializer_list<const char *> Args) {
  return llvm::SmallVector<const char *, 8>(Args);
}

std::vector<std::string> rest(llvm::ArrayRef<const char *> Args) {
  return std::vector<std::string>(Args.begin(), Args.end());
}
} // namespace

TEST_CASE("clang-dist's options are taken out, clang's left in order",
          "[ClientOptions]") {
  auto Args = argv({"clang-dist", "-c", "--distributed", "a.conf", "x.c",
                    "--distributed=b.conf", "-o", "x.o"});
  ClientOptions Options = unwrap(takeClientOptions(Args));
  CHECK(Options.get(ClientOption::Distributed) == "b.conf");
  CHECK(rest(Args) ==
        std::vector<std::string>{"clang-dist", "-c", "x.c", "-o", "x.o"});
}

TEST_CASE("an option without its value is an error naming it",
          "[ClientOptions]") {
  auto Missing = argv({"clang-dist", "-c", "x.c", "--distributed"});
  CHECK(errorText(takeClientOptions(Missing)) ==
        "argument to '--distributed' is missing (expected a config file)");
  auto Empty = argv({"clang-dist", "--distributed=", "-c", "x.c"});
  CHECK(errorText(takeClientOptions(Empty)) ==
        "argument to '--distributed' is empty (expected a config file)");
}

TEST_CASE("a prefix of an option, or clang's look-alikes, stay clang's",
          "[ClientOptions]") {
  auto Args = argv({"clang-dist", "--distributedx", "--distribute", "-c"});
  ClientOptions Options = unwrap(takeClientOptions(Args));
  CHECK_FALSE(Options.has(ClientOption::Distributed));
  CHECK(Args.size() == 4);
}

TEST_CASE("the config is --distributed's, else CLANG_DIST_CONFIG's",
          "[ClientOptions]") {
  ::setenv("CLANG_DIST_CONFIG", "env.conf", 1);
  auto None = argv({"clang-dist", "-c"});
  CHECK(unwrap(takeClientOptions(None)).configPath() == "env.conf");
  auto Given = argv({"clang-dist", "--distributed", "given.conf"});
  CHECK(unwrap(takeClientOptions(Given)).configPath() == "given.conf");
  ::unsetenv("CLANG_DIST_CONFIG");
  CHECK(unwrap(takeClientOptions(None)).configPath().empty());
}

TEST_CASE("an option spans its value unless joined to it", "[ClientOptions]") {
  auto Args = argv({"clang-dist", "--distributed", "a.conf",
                    "--distributed=b.conf", "-c", "--distributed"});
  CHECK(clientOptionSpan(Args, 1) == 2);
  CHECK(clientOptionSpan(Args, 3) == 1);
  CHECK(clientOptionSpan(Args, 4) == 0);
  // Its value missing: the option alone, for takeClientOptions to refuse.
  CHECK(clientOptionSpan(Args, 5) == 2);
}
