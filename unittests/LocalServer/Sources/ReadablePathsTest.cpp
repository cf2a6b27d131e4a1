//===- unittests/LocalServer/Sources/ReadablePathsTest.cpp - Judged paths -===//
//
// Which paths a job's worker may be told of: those at or below its roots, and
// the directories on the way to them, judged by where they really are: ".."
// and symbolic links that lead out are outside, whatever the spelling, and a
// path is never below another that is only a prefix of its name.
//
//===----------------------------------------------------------------------===//

#include "LocalServer/Sources/ReadablePaths.h"
#include "TempDir.h"
#include <catch2/catch.hpp>
#include <unistd.h>

using namespace clang::dist;
using namespace clang::dist::test;

namespace {

/// A project and a secret beside it:
///   proj/inc/a.h, proj/src, proj/src/out -> ../../secret (a link out),
///   proj/src/in -> ../inc (a link that stays in), proj/src/dangling -> gone,
///   proj/incx/b.h (a name that starts like inc's), secret/key.
struct Tree {
  Tree() {
    for (const char *Dir :
         {"proj", "proj/inc", "proj/src", "proj/incx", "secret"})
      REQUIRE(::mkdir(D.file(Dir).c_str(), 0700) == 0);
    D.write("proj/inc/a.h", "int a;\n");
    D.write("proj/incx/b.h", "int b;\n");
    D.write("secret/key", "k\n");
    REQUIRE(::symlink("../../secret", D.file("proj/src/out").c_str()) == 0);
    REQUIRE(::symlink("../inc", D.file("proj/src/in").c_str()) == 0);
    REQUIRE(::symlink("gone", D.file("proj/src/dangling").c_str()) == 0);
  }
  std::string operator()(llvm::StringRef Name) const { return D.file(Name); }
  TempDir D;
};

} // namespace

TEST_CASE("isWithin compares whole components", "[ReadablePaths]") {
  CHECK(isWithin("/a/b", "/a/b"));
  CHECK(isWithin("/a/b/c", "/a/b"));
  CHECK(isWithin("/a/b/c", "/"));
  CHECK_FALSE(isWithin("/a/bc", "/a/b"));
  CHECK_FALSE(isWithin("/a", "/a/b"));
  CHECK_FALSE(isWithin("/b/a", "/a"));
}

TEST_CASE("lexicallyNormal drops '.' and '..' as spelled", "[ReadablePaths]") {
  CHECK(lexicallyNormal("/a/./b/../c") == "/a/c");
  CHECK(lexicallyNormal("/a/../../etc/passwd") == "/etc/passwd");
  CHECK(lexicallyNormal("/usr/bin/../lib/gcc/x/12/../../../../include") ==
        "/usr/include");
}

TEST_CASE("resolve follows links and takes '..' from the real directory",
          "[ReadablePaths]") {
  Tree T;
  PathJudge Judge;
  CHECK(Judge.resolve(T("proj/inc/a.h")) == T("proj/inc/a.h"));
  CHECK(Judge.resolve(T("proj/src/out/key")) == T("secret/key"));
  // ".." after a link is the parent of where the link leads.
  CHECK(Judge.resolve(T("proj/src/in/../src")) == T("proj/src"));
  CHECK(Judge.resolve(T("proj/src/out/../proj")) == T("proj"));
  // Past what exists, as spelled.
  CHECK(Judge.resolve(T("proj/inc/new/x.h")) == T("proj/inc/new/x.h"));
  CHECK(Judge.resolve(T("proj/src/out/missing/../key")) == T("secret/key"));
  CHECK(Judge.resolve(T("proj/src/dangling/x")) == std::nullopt);
  // Asked again, from what it met on the way.
  CHECK(Judge.resolve(T("proj/src/out/key")) == T("secret/key"));
}

TEST_CASE("A job may read below its roots, and nothing else",
          "[ReadablePaths]") {
  Tree T;
  PathJudge Judge;
  PathJudge::Scope S = Judge.scope({T("proj/inc"), T("proj/src")});

  CHECK(Judge.allows(S, T("proj/inc")));
  CHECK(Judge.allows(S, T("proj/inc/a.h")));
  CHECK(Judge.allows(S, T("proj/inc/missing.h")));
  CHECK(Judge.allows(S, T("proj/inc/./a.h")));
  CHECK(Judge.allows(S, T("proj/src/../inc/a.h")));
  // A link that stays inside.
  CHECK(Judge.allows(S, T("proj/src/in/a.h")));

  SECTION("the directories on the way to a root, and nothing beside them") {
    CHECK(Judge.allows(S, T("proj")));
    CHECK(Judge.allows(S, T.D.Path));
    CHECK(Judge.allows(S, "/"));
    CHECK_FALSE(Judge.allows(S, T("proj/other.h")));
    CHECK_FALSE(Judge.allows(S, T("secret")));
  }
  SECTION("a name that only starts like a root's") {
    CHECK_FALSE(Judge.allows(S, T("proj/incx")));
    CHECK_FALSE(Judge.allows(S, T("proj/incx/b.h")));
    CHECK_FALSE(Judge.allows(S, T("proj/inc.h")));
  }
  SECTION("outside, existing or not") {
    CHECK_FALSE(Judge.allows(S, T("secret/key")));
    CHECK_FALSE(Judge.allows(S, T("secret/none")));
    CHECK_FALSE(Judge.allows(S, "/etc/passwd"));
    CHECK_FALSE(Judge.allows(S, "/nonexistent/x"));
  }
  SECTION("'..' out of a root") {
    CHECK_FALSE(Judge.allows(S, T("proj/inc/../../secret/key")));
    CHECK_FALSE(Judge.allows(S, T("proj/inc/../../../../../etc/passwd")));
    CHECK_FALSE(Judge.allows(S, T("proj/inc/a.h/../../../secret/key")));
  }
  SECTION("a link out of a root") {
    CHECK_FALSE(Judge.allows(S, T("proj/src/out")));
    CHECK_FALSE(Judge.allows(S, T("proj/src/out/key")));
    CHECK_FALSE(Judge.allows(S, T("proj/src/out/none")));
    // Inside as spelled, outside in fact.
    CHECK_FALSE(Judge.allows(S, T("proj/src/out/../secret/key")));
    CHECK_FALSE(Judge.allows(S, T("proj/src/dangling")));
  }
}

TEST_CASE("A root is where it really is", "[ReadablePaths]") {
  Tree T;
  PathJudge Judge;
  SECTION("a root spelled through a link covers the link's target") {
    PathJudge::Scope S = Judge.scope({T("proj/src/in")});
    CHECK(Judge.allows(S, T("proj/src/in/a.h")));
    CHECK(Judge.allows(S, T("proj/inc/a.h")));
    CHECK_FALSE(Judge.allows(S, T("proj/src/a.c")));
  }
  SECTION("a root's '..' after a link is the link target's parent") {
    PathJudge::Scope S = Judge.scope({T("proj/src/in/../src")});
    CHECK(Judge.allows(S, T("proj/src/in/../src/a.c")));
    CHECK(Judge.allows(S, T("proj/src/a.c")));
    CHECK_FALSE(Judge.allows(S, T("proj/inc/a.h")));
  }
  SECTION("a root that is a file covers that file and its directories") {
    PathJudge::Scope S = Judge.scope({T("proj/incx/b.h")});
    CHECK(Judge.allows(S, T("proj/incx/b.h")));
    CHECK(Judge.allows(S, T("proj/incx")));
    CHECK_FALSE(Judge.allows(S, T("proj/incx/c.h")));
  }
  SECTION("a root that does not exist covers nothing else") {
    PathJudge::Scope S = Judge.scope({T("proj/none")});
    CHECK(Judge.allows(S, T("proj/none/x.h")));
    CHECK_FALSE(Judge.allows(S, T("proj/inc/a.h")));
  }
}
