//===- unittests/LocalServer/SlotBackoffsTest.cpp - Failed slots' file ----===//

#include "LocalServer/SlotBackoffs.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include "llvm/Support/MemoryBuffer.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;

TEST_CASE("SlotBackoffs round-trip through their text", "[SlotBackoffs]") {
  std::vector<BackoffEntry> Written = {
      {"10.0.0.5:63000", 1796000000, "cannot connect: Connection refused"},
      {"[fd00::7]:63000", 1796000030, "timed out connecting"},
      {"buildbox:63001", 5, ""}};
  std::string Text = formatSlotBackoffs(Written);
  CHECK(Text == "10.0.0.5:63000 1796000000 cannot connect: Connection "
                "refused\n[fd00::7]:63000 1796000030 timed out connecting\n"
                "buildbox:63001 5 \n");
  std::vector<BackoffEntry> Read = unwrap(parseSlotBackoffs(Text));
  REQUIRE(Read.size() == 3);
  for (size_t I = 0; I != 3; ++I) {
    CHECK(Read[I].Slot == Written[I].Slot);
    CHECK(Read[I].Until == Written[I].Until);
    CHECK(Read[I].Reason == Written[I].Reason);
  }
  CHECK(unwrap(parseSlotBackoffs("")).empty());
}

TEST_CASE("SlotBackoffs keep a reason on its line", "[SlotBackoffs]") {
  std::string Text =
      formatSlotBackoffs({{"h:1", 7, "worker refused us:\nbad proof"}});
  std::vector<BackoffEntry> Read = unwrap(parseSlotBackoffs(Text));
  REQUIRE(Read.size() == 1);
  CHECK(Read[0].Reason == "worker refused us: bad proof");
}

TEST_CASE("SlotBackoffs refuse what they would not write", "[SlotBackoffs]") {
  for (llvm::StringRef Text :
       {"h:1\n", "h:1 \n", "h 5 r\n", "h:1 -5 r\n", "h:1 +5 r\n", "h:1 0x5 r\n",
        "h:1 5r\n", "h:1 99999999999999999999 r\n", "h:1 5 r\n\nh:2 5 r\n",
        "h:1 5 r\n\x01\x02"})
    CHECK_THAT(errorText(parseSlotBackoffs(Text)),
               Contains("is not 'HOST:PORT UNTIL REASON'"));
  CHECK_THAT(errorText(parseSlotBackoffs("h:1 5 r\nh:2 x r\n")),
             Contains("line 2"));
}

TEST_CASE("SlotBackoffs are written whole", "[SlotBackoffs]") {
  TempDir Dir;
  std::string Path = Dir.file("server-0123456789abcdef.backoff");
  Dir.write("server-0123456789abcdef.backoff", "an older list\n");
  REQUIRE(llvm::toString(writeSlotBackoffs(Path, {{"h:1", 42, "why"}})) == "");
  CHECK(readFile(Path) == "h:1 42 why\n");
  // No temporary file is left beside it.
  CHECK(countEntries(Dir.Path) == 1);
}
