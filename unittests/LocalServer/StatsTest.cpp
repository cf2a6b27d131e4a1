//===- unittests/LocalServer/StatsTest.cpp - The server's counters --------===//

#include "LocalServer/Stats.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;

TEST_CASE("Stats count on from the file and write it back", "[Stats]") {
  TempDir Dir;
  std::string Path = Dir.file("server.stats");
  REQUIRE(!writeStatsFile(Path, {{"jobs_remote", 5}, {"old_key", 1}}));
  boost::asio::io_context IO;
  Logger Log;
  Stats S(IO, Path, Log);
  S.add(statkeys::JobsRemote);
  S.add(statkeys::BytesSent, 100);
  StatsCounters Now = S.counters();
  CHECK(Now["jobs_remote"] == 6);
  CHECK(Now["bytes_sent"] == 100);
  // Unknown keys of another build are kept; fixed keys are there at zero.
  CHECK(Now["old_key"] == 1);
  CHECK(Now.count("fallback_timed_out"));
  // Not written at once, but within a second, by the io thread.
  CHECK(unwrap(readStatsFile(Path))["jobs_remote"] == 5);
  IO.run_for(std::chrono::seconds(2));
  CHECK(unwrap(readStatsFile(Path))["jobs_remote"] == 6);
  S.add(statkeys::JobsRemote);
  S.flush();
  CHECK(unwrap(readStatsFile(Path))["jobs_remote"] == 7);
}

TEST_CASE("Zeroing forgets every counter and writes at once", "[Stats]") {
  TempDir Dir;
  std::string Path = Dir.file("server.stats");
  boost::asio::io_context IO;
  Logger Log;
  Stats S(IO, Path, Log);
  S.add(statkeys::slot("a:1", "jobs"), 3);
  S.zero();
  CHECK(unwrap(readStatsFile(Path)).empty());
  CHECK_FALSE(S.counters().count("slot/a:1/jobs"));
  CHECK(S.counters()["jobs_remote"] == 0);
}

TEST_CASE("A stats file that does not parse restarts the count", "[Stats]") {
  TempDir Dir;
  Dir.write("server.stats", "not stats");
  boost::asio::io_context IO;
  Logger Log;
  Stats S(IO, Dir.file("server.stats"), Log);
  CHECK(S.counters()["jobs_remote"] == 0);
}
