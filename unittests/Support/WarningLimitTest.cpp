//===- unittests/Support/WarningLimitTest.cpp - Few lines, all counted ----===//

#include "Support/WarningLimit.h"
#include <catch2/catch.hpp>

using namespace clang::dist;

TEST_CASE("The first event of a window is told, the rest counted",
          "[WarningLimit]") {
  WarningWindow W;
  CHECK(admitWarning(W, 1000, 30000, false) == std::optional<uint64_t>(0));
  for (int I = 0; I != 99; ++I)
    CHECK_FALSE(admitWarning(W, 1000 + I, 30000, false));
  CHECK(W.Untold == 99);
  // The next window's first line says how many went untold.
  CHECK(admitWarning(W, 31000, 30000, false) == std::optional<uint64_t>(99));
  CHECK(W.Untold == 0);
  CHECK_FALSE(admitWarning(W, 31001, 30000, false));
}

TEST_CASE("New subjects are told within a window, a few at most",
          "[WarningLimit]") {
  WarningWindow W;
  CHECK(admitWarning(W, 0, 30000, true));
  CHECK_FALSE(admitWarning(W, 1, 30000, false));
  CHECK(admitWarning(W, 2, 30000, true) == std::optional<uint64_t>(1));
  CHECK(admitWarning(W, 3, 30000, true));
  // MaxWarningsPerWindow lines told: a fourth new subject waits.
  CHECK_FALSE(admitWarning(W, 4, 30000, true));
  CHECK(W.Lines == MaxWarningsPerWindow);
}

TEST_CASE("A clock set back opens a new window", "[WarningLimit]") {
  WarningWindow W;
  CHECK(admitWarning(W, 50000, 30000, false));
  CHECK_FALSE(admitWarning(W, 50001, 30000, false));
  CHECK(admitWarning(W, 10000, 30000, false) == std::optional<uint64_t>(1));
}
