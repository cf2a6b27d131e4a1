//===- unittests/Config/StatsFileTest.cpp - The counters' file ------------===//

#include "Config/StatsFile.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;

TEST_CASE("Stats round-trip through their text", "[StatsFile]") {
  StatsCounters Written = {{"jobs_remote", 41},
                           {"slot/10.0.0.5:63000/jobs", 7},
                           {"bytes_sent", 1ull << 40}};
  std::string Text = formatStats(Written);
  CHECK(Text == "clang-dist stats 1\nbytes_sent\t1099511627776\njobs_remote\t"
                "41\nslot/10.0.0.5:63000/jobs\t7\n");
  CHECK(unwrap(parseStats(Text)) == Written);
  CHECK(unwrap(parseStats("clang-dist stats 1\n")).empty());
}

TEST_CASE("A stats file that does not parse is an error naming the problem",
          "[StatsFile]") {
  CHECK_THAT(errorText(parseStats("")), Contains("first line"));
  CHECK_THAT(errorText(parseStats("clang-dist stats 2\n")),
             Contains("first line"));
  CHECK_THAT(errorText(parseStats("clang-dist stats 1\njobs 1\n")),
             Contains("line 2 is not 'KEY<TAB>VALUE'"));
  CHECK_THAT(errorText(parseStats("clang-dist stats 1\njobs\t-1\n")),
             Contains("line 2"));
  CHECK_THAT(errorText(parseStats("clang-dist stats 1\na\t1\na\t2\n")),
             Contains("line 3 repeats 'a'"));
}

TEST_CASE("The stats file is read and replaced whole", "[StatsFile]") {
  TempDir Dir;
  std::string Path = Dir.file("server.stats");
  CHECK(unwrap(readStatsFile(Path)).empty());
  StatsCounters Counters = {{"server_starts", 2}};
  REQUIRE(!writeStatsFile(Path, Counters));
  CHECK(unwrap(readStatsFile(Path)) == Counters);
  Dir.write("server.stats", "garbage");
  CHECK_THAT(errorText(readStatsFile(Path)), Contains(Path));
}

TEST_CASE("The fixed keys name every fallback cause and why a result was "
          "not cached",
          "[StatsFile]") {
  std::vector<std::string> Keys = statkeys::fixed();
  CHECK(std::count(Keys.begin(), Keys.end(), "fallback_unreachable") == 1);
  CHECK(std::count(Keys.begin(), Keys.end(), "jobs_local_fallback") == 1);
  CHECK(std::count(Keys.begin(), Keys.end(), "cache_uncacheable_time_macro") ==
        1);
  CHECK(std::count(Keys.begin(), Keys.end(), "farm_workers_skipped_version") ==
        1);
  // Nine job counters, four cache counters, four reasons not to cache and
  // four farm counters.
  CHECK(Keys.size() == 9 + fallbackCauses().size() + 4 + 4 + 4);
  CHECK(fallbackCauses().size() == 16);
  CHECK(statkeys::slot("[::1]:7", "jobs") == "slot/[::1]:7/jobs");
}
