//===- unittests/Main.cpp - The one main of clangDistUnitTests ------------===//
//
// Kept apart from the tests: Catch2's main is slow to compile, and this file
// never changes, so adding a test recompiles only the test.
//
//===----------------------------------------------------------------------===//

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
