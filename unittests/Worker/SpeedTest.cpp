//===- unittests/Worker/SpeedTest.cpp - How fast this machine compiles ----===//

#include "Worker/Speed.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace std::chrono_literals;

TEST_CASE("speedOf is proportional to how fast the compile was", "[Speed]") {
  CHECK(speedOf(10ms) == 1000);
  CHECK(speedOf(5ms) == 2000);
  CHECK(speedOf(40ms) == 250);
  // Never 0, which says "unknown".
  CHECK(speedOf(1h) == 1);
}

TEST_CASE("measureSpeed compiles the built-in source", "[Speed]") {
  // A source that failed to compile would give the speed of a second.
  CHECK(measureSpeed() > speedOf(1s));
}
