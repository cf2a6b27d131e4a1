//===- unittests/Redis/ReplyTest.cpp - What a Redis server answers --------===//
//
// Every reply kind, a reply cut anywhere (incomplete, never garbage), and
// what a hostile server could send: lengths past the limits, nesting, bytes
// that are not RESP. None may allocate what it announces before it arrives.
//
//===----------------------------------------------------------------------===//

#include "Redis/Reply.h"
#include "ExpectedMatchers.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using Kind = RedisReply::Kind;

namespace {
RedisReply parseAll(llvm::StringRef Data, const RedisLimits &Limits = {}) {
  size_t Consumed = 0;
  std::optional<RedisReply> Reply =
      unwrap(parseRedisReply(Data, Limits, Consumed));
  REQUIRE(Reply);
  CHECK(Consumed == Data.size());
  return std::move(*Reply);
}

std::string garbage(llvm::StringRef Data, const RedisLimits &Limits = {}) {
  size_t Consumed = 0;
  auto Reply = parseRedisReply(Data, Limits, Consumed);
  if (Reply)
    return *Reply ? "<a reply>" : "<incomplete>";
  return llvm::toString(Reply.takeError());
}
} // namespace

TEST_CASE("Redis replies of every kind", "[Redis]") {
  CHECK(parseAll("+OK\r\n").Type == Kind::Status);
  CHECK(parseAll("+OK\r\n").Text == "OK");
  RedisReply Error = parseAll("-ERR unknown command\r\n");
  CHECK(Error.Type == Kind::Error);
  CHECK(Error.Text == "ERR unknown command");
  CHECK(parseAll(":-42\r\n").Integer == -42);
  CHECK(parseAll("$-1\r\n").Type == Kind::Nil);
  CHECK(parseAll("*-1\r\n").Type == Kind::Nil);
  // Bulk strings are binary: CRLF and NUL inside are data.
  RedisReply Bulk = parseAll(llvm::StringRef("$6\r\na\r\n\0bc\r\n", 12));
  CHECK(Bulk.Type == Kind::Bulk);
  CHECK(Bulk.Text == llvm::StringRef("a\r\n\0bc", 6));
  CHECK(parseAll("$0\r\n\r\n").Text.empty());
  RedisReply Array = parseAll("*3\r\n:1\r\n$1\r\nx\r\n*1\r\n$-1\r\n");
  REQUIRE(Array.Elements.size() == 3);
  CHECK(Array.Elements[1].Text == "x");
  CHECK(Array.Elements[2].Elements[0].Type == Kind::Nil);
  CHECK(parseAll("*0\r\n").Elements.empty());
}

TEST_CASE("A Redis reply cut anywhere is incomplete, and parses whole later",
          "[Redis]") {
  const std::string Whole = "*2\r\n$5\r\nhello\r\n:7\r\n";
  for (size_t Cut = 0; Cut < Whole.size(); ++Cut)
    CHECK(garbage(llvm::StringRef(Whole).take_front(Cut)) == "<incomplete>");
  // What follows a reply is the next one's.
  size_t Consumed = 0;
  std::optional<RedisReply> Reply =
      unwrap(parseRedisReply("+OK\r\n:1\r\n", {}, Consumed));
  CHECK(Reply);
  CHECK(Consumed == 5);
}

TEST_CASE("What is not RESP is garbage, with the reason", "[Redis]") {
  CHECK_THAT(garbage("?\r\n"), Contains("unknown type 0x3f"));
  CHECK_THAT(garbage(":12a\r\n"), Contains("integer '12a' is not a number"));
  CHECK_THAT(garbage(":0x10\r\n"), Contains("not a number"));
  CHECK_THAT(garbage("$\r\n"), Contains("bulk length '' is not a number"));
  CHECK_THAT(garbage("$-2\r\n"), Contains("a bulk string of -2 bytes"));
  CHECK_THAT(garbage("$2\r\nabXY"), Contains("not followed by CRLF"));
  CHECK_THAT(garbage("*-5\r\n"), Contains("an array of -5 elements"));
  CHECK_THAT(garbage("*1\r\n*1\r\n?\r\n"), Contains("unknown type"));
  // A line that never ends is garbage once it is longer than any reply's.
  CHECK_THAT(garbage("+" + std::string(65 << 10, 'a')),
             Contains("a line longer than"));
}

TEST_CASE("A Redis reply past the limits is garbage before it arrives",
          "[Redis]") {
  RedisLimits Limits;
  Limits.MaxBulk = 10;
  Limits.MaxElements = 3;
  Limits.MaxDepth = 2;
  // Announced, not sent: refused on the announcement.
  CHECK_THAT(garbage("$11\r\n", Limits),
             Contains("a bulk string of 11 bytes (at most 10)"));
  CHECK_THAT(garbage("$99999999999999999999\r\n", Limits),
             Contains("is not a number"));
  CHECK(garbage("$10\r\n", Limits) == "<incomplete>");
  CHECK_THAT(garbage("*4\r\n", Limits),
             Contains("an array of 4 elements (at most 3)"));
  CHECK(garbage("*3\r\n", Limits) == "<incomplete>");
  CHECK_THAT(garbage("*1\r\n*1\r\n*1\r\n", Limits),
             Contains("arrays nested deeper than 2"));
}

TEST_CASE("Redis commands are arrays of bulk strings", "[Redis]") {
  CHECK(encodeRedisCommand({"GET", "k"}) == "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  CHECK(encodeRedisCommand({"SET", llvm::StringRef("a\0\r\n", 4)}) ==
        std::string("*2\r\n$3\r\nSET\r\n$4\r\na\0\r\n\r\n", 23));
}
