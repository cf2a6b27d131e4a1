//===- unittests/Protocol/ErrorsTest.cpp - What a peer may say ------------===//

#include "Protocol/Errors.h"
#include <catch2/catch.hpp>

using namespace clang::dist;

TEST_CASE("A peer's text is shown as one line, cut short", "[Errors]") {
  CHECK(peerText("wrong shared secret") == "wrong shared secret");
  // Escape sequences and line breaks reach no terminal.
  CHECK(peerText("a\x1b[2Jb\nc\r\td\x7f") == "a?[2Jb?c??d?");
  // UTF-8 is text.
  CHECK(peerText("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(peerText(std::string(300, 'x')) == std::string(200, 'x') + "...");
  CHECK(peerText("abcdef", 3) == "abc...");
}
