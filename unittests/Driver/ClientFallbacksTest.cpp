//===- unittests/Driver/ClientFallbacksTest.cpp - Fallbacks of clients ----===//

#include "Driver/ClientFallbacks.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;

TEST_CASE("Clients count their fallbacks and warn of the first",
          "[ClientFallbacks]") {
  TempDir Dir;
  std::string Path = Dir.file("server.fallbacks");
  CHECK(unwrap(readClientFallbacks(Path)).empty());
  CHECK(unwrap(recordClientFallback(Path, FallbackCause::ServerMissing)) ==
        std::optional<uint64_t>(0));
  for (int I = 0; I != 5; ++I)
    CHECK_FALSE(
        unwrap(recordClientFallback(Path, FallbackCause::ServerMissing)));
  CHECK(unwrap(recordClientFallback(Path, FallbackCause::ServerFailed)));
  StatsCounters Counts = unwrap(readClientFallbacks(Path));
  // The warning windows are not counts.
  CHECK(Counts == StatsCounters{{"fallback_server_failed", 1},
                                {"fallback_server_missing", 6},
                                {"jobs_local_fallback", 7}});

  REQUIRE(!zeroClientFallbacks(Path));
  CHECK(unwrap(readClientFallbacks(Path)).empty());
  // The windows went too: the next fallback warns.
  CHECK(unwrap(recordClientFallback(Path, FallbackCause::ServerMissing)));
}

TEST_CASE("A damaged client fallbacks file starts anew", "[ClientFallbacks]") {
  TempDir Dir;
  Dir.write("f", "half a line");
  CHECK(
      unwrap(recordClientFallback(Dir.file("f"), FallbackCause::ServerFailed)));
  CHECK(unwrap(readClientFallbacks(Dir.file("f")))["jobs_local_fallback"] == 1);
}
