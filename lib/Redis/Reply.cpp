//===- Redis/Reply.cpp - What a Redis server answers ----------------------===//

#include "Redis/Reply.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/FormatVariadic.h"

using namespace clang::dist;

namespace {

/// A line is a type byte, at most this many more, and CRLF: long enough for
/// an error message, short enough that a line without its CRLF is garbage
/// early.
constexpr size_t MaxLine = 64u << 10;

class Parser {
public:
  Parser(llvm::StringRef Data, const RedisLimits &Limits)
      : Data(Data), Limits(Limits) {}

  /// Sets Failure, or Incomplete, and returns false when it cannot.
  bool parse(RedisReply &Reply, unsigned Depth);

  size_t Pos = 0;
  bool Incomplete = false;
  std::string Failure;

private:
  bool fail(const llvm::Twine &Why) {
    Failure = Why.str();
    return false;
  }
  /// The line's text after its type byte, or false.
  bool line(llvm::StringRef &Text);
  bool integer(llvm::StringRef Text, int64_t &Value, const char *What);

  llvm::StringRef Data;
  const RedisLimits &Limits;
};

bool Parser::line(llvm::StringRef &Text) {
  llvm::StringRef Rest = Data.drop_front(Pos);
  size_t End = Rest.find("\r\n");
  if (End == llvm::StringRef::npos) {
    if (Rest.size() > MaxLine)
      return fail(llvm::formatv("a line longer than {0} bytes", MaxLine));
    Incomplete = true;
    return false;
  }
  if (End > MaxLine)
    return fail(llvm::formatv("a line longer than {0} bytes", MaxLine));
  Text = Rest.slice(1, End);
  Pos += End + 2;
  return true;
}

bool Parser::integer(llvm::StringRef Text, int64_t &Value, const char *What) {
  // getAsInteger takes a radix prefix ("0x10"); RESP has none.
  if (Text.empty() ||
      Text.find_first_not_of("-0123456789") != llvm::StringRef::npos ||
      Text.getAsInteger(10, Value))
    return fail(
        llvm::formatv("{0} '{1}' is not a number", What, Text.take_front(32)));
  return true;
}

bool Parser::parse(RedisReply &Reply, unsigned Depth) {
  if (Pos == Data.size()) {
    Incomplete = true;
    return false;
  }
  char Type = Data[Pos];
  llvm::StringRef Text;
  switch (Type) {
  case '+':
  case '-':
    if (!line(Text))
      return false;
    Reply.Type =
        Type == '+' ? RedisReply::Kind::Status : RedisReply::Kind::Error;
    Reply.Text = Text.str();
    return true;
  case ':':
    Reply.Type = RedisReply::Kind::Integer;
    return line(Text) && integer(Text, Reply.Integer, "integer");
  case '$': {
    int64_t Length;
    if (!line(Text) || !integer(Text, Length, "bulk length"))
      return false;
    if (Length == -1) {
      Reply.Type = RedisReply::Kind::Nil;
      return true;
    }
    if (Length < 0 || static_cast<uint64_t>(Length) > Limits.MaxBulk)
      return fail(llvm::formatv("a bulk string of {0} bytes (at most {1})",
                                Length, Limits.MaxBulk));
    if (Data.size() - Pos < static_cast<uint64_t>(Length) + 2) {
      Incomplete = true;
      return false;
    }
    if (Data.substr(Pos + Length, 2) != "\r\n")
      return fail("a bulk string not followed by CRLF");
    Reply.Type = RedisReply::Kind::Bulk;
    Reply.Text = Data.substr(Pos, Length).str();
    Pos += Length + 2;
    return true;
  }
  case '*': {
    int64_t Count;
    if (!line(Text) || !integer(Text, Count, "array length"))
      return false;
    if (Count == -1) {
      Reply.Type = RedisReply::Kind::Nil;
      return true;
    }
    if (Count < 0 || Count > Limits.MaxElements)
      return fail(llvm::formatv("an array of {0} elements (at most {1})", Count,
                                Limits.MaxElements));
    if (Depth == Limits.MaxDepth)
      return fail(
          llvm::formatv("arrays nested deeper than {0}", Limits.MaxDepth));
    Reply.Type = RedisReply::Kind::Array;
    // Grown as elements arrive: a count alone reserves nothing.
    for (int64_t I = 0; I < Count; ++I) {
      RedisReply Element;
      if (!parse(Element, Depth + 1))
        return false;
      Reply.Elements.push_back(std::move(Element));
    }
    return true;
  }
  default:
    return fail(llvm::formatv("a reply of unknown type {0:x2}",
                              static_cast<unsigned char>(Type)));
  }
}

} // namespace

llvm::Expected<std::optional<RedisReply>>
clang::dist::parseRedisReply(llvm::StringRef Data, const RedisLimits &Limits,
                             size_t &Consumed) {
  Parser P(Data, Limits);
  RedisReply Reply;
  if (P.parse(Reply, 0)) {
    Consumed = P.Pos;
    return std::optional<RedisReply>(std::move(Reply));
  }
  if (!P.Failure.empty())
    return llvm::createStringError(
        std::make_error_code(std::errc::protocol_error),
        "garbage from the Redis server: %s", P.Failure.c_str());
  return std::nullopt;
}

std::string
clang::dist::encodeRedisCommand(llvm::ArrayRef<llvm::StringRef> Args) {
  std::string Out = "*" + std::to_string(Args.size()) + "\r\n";
  for (llvm::StringRef A : Args) {
    Out += "$" + std::to_string(A.size()) + "\r\n";
    Out.append(A.data(), A.size());
    Out += "\r\n";
  }
  return Out;
}
