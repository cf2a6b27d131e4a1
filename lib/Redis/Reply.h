//===- Redis/Reply.h - What a Redis server answers ---------------*- C++
//-*-===//
//
// Replies in RESP2, the protocol every Redis speaks
// (https://redis.io/docs/reference/protocol-spec/). The parser is the only
// code that reads bytes from a Redis server, which a team shares and anyone
// on its network may impersonate: every length is bounded before anything
// is allocated, and whatever does not parse is an error, never a reply.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_REDIS_REPLY_H
#define CLANG_DIST_REDIS_REPLY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace clang::dist {

struct RedisReply {
  enum class Kind : uint8_t {
    /// A nil bulk string or array: GET of a key that does not exist.
    Nil,
    /// `+OK`.
    Status,
    /// `-ERR ...`: the command failed; Text says why.
    Error,
    Integer,
    /// A value, any bytes.
    Bulk,
    Array,
  };
  Kind Type = Kind::Nil;
  /// Status, Error, Bulk.
  std::string Text;
  int64_t Integer = 0;
  std::vector<RedisReply> Elements;
};

struct RedisLimits {
  /// The largest bulk string accepted: a cached result (an object and its
  /// diagnostics) fits; a server that announces more is garbage.
  uint64_t MaxBulk = 512u << 20;
  /// Elements of one array, and arrays within arrays.
  uint32_t MaxElements = 1u << 16;
  unsigned MaxDepth = 4;
};

/// Parses one reply at the start of \p Data. std::nullopt: \p Data holds
/// only part of one (read more and parse again from the start); otherwise
/// \p Consumed is set to the bytes the reply took. An error names what is
/// wrong; the connection cannot be used after one.
llvm::Expected<std::optional<RedisReply>>
parseRedisReply(llvm::StringRef Data, const RedisLimits &Limits,
                size_t &Consumed);

/// The bytes of a command: an array of bulk strings, binary-safe.
std::string encodeRedisCommand(llvm::ArrayRef<llvm::StringRef> Args);

} // namespace clang::dist

#endif
