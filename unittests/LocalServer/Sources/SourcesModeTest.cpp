//===- unittests/LocalServer/Sources/SourcesModeTest.cpp - Least privilege ===//
//
// A worker is told what a path is only if the job it compiles may read it, or
// some worker was told already: any other question gets one reply, whatever
// is on the disk, and the job is marked to run on the client.
//
//===----------------------------------------------------------------------===//

#include "LocalServer/Sources/SourcesMode.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;
using Kind = PathInfo::PathKind;

namespace {

constexpr std::chrono::nanoseconds NoRacyWindow{0};

CompileJob jobIn(uint64_t Id, const std::string &Dir) {
  CompileJob Job;
  Job.Id = Id;
  Job.Mode = DistributionMode::Sources;
  Job.WorkingDir = Dir;
  return Job;
}

} // namespace

TEST_CASE("SourcesMode refuses paths the job may not read", "[SourcesMode]") {
  TempDir D;
  for (const char *Dir : {"proj", "secret", "shared"})
    REQUIRE(::mkdir(D.file(Dir).c_str(), 0700) == 0);
  D.write("proj/a.c", "int a;\n");
  D.write("secret/key", "k\n");
  D.write("shared/s.h", "int s;\n");
  SharedFileCache Cache(1ull << 30, NoRacyWindow);
  SourcesMode Mode(Cache, {D.file("shared")});
  Mode.beforeSend(jobIn(1, D.file("proj")), "a.c", {D.file("proj")});
  Mode.beforeSend(jobIn(2, D.file("secret")), "key", {D.file("secret")});

  LookupReply Inside = unwrap(Mode.lookup({1, D.file("proj/a.c")}));
  CHECK(Inside.Info.Kind == Kind::File);
  CHECK(unwrap(Mode.lookup({1, D.file("shared/s.h")})).Info.Kind == Kind::File);
  CHECK(Mode.refusedPath(1) == std::nullopt);

  // The same reply for a file, a missing path and an escape.
  for (const std::string &Path :
       {D.file("secret/key"), D.file("secret/none"),
        D.file("proj/../secret/key"), std::string("/etc/passwd")}) {
    LookupReply Refused = unwrap(Mode.lookup({1, Path}));
    CHECK(Refused.Id == 1);
    CHECK(Refused.Index == 0);
    CHECK(Refused.Info == PathInfo{Kind::Refused});
  }
  // The first one is the job's reason to run on the client.
  CHECK(Mode.refusedPath(1) == D.file("secret/key"));
  CHECK(Mode.refusedPath(2) == std::nullopt);

  SECTION("a path answered for one job is no secret from another") {
    CHECK(unwrap(Mode.lookup({2, D.file("secret/key")})).Info.Kind ==
          Kind::File);
    // Answered for job 2, which may read it.
    CHECK(unwrap(Mode.lookup({1, D.file("secret/key")})).Info.Kind ==
          Kind::File);
  }
  SECTION("a job that ended is told nothing more") {
    Mode.forget(2);
    CHECK(Mode.refusedPath(2) == std::nullopt);
    CHECK(unwrap(Mode.lookup({2, D.file("secret/key")})).Info.Kind ==
          Kind::Refused);
  }
  SECTION("a relative path is still garbage, not a refusal") {
    CHECK_THAT(
        errorText(Mode.lookup({1, "etc/passwd"})),
        Catch::Matchers::Contains("Lookup of a path that is not absolute"));
  }
}
