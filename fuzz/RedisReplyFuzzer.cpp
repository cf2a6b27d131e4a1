//===- fuzz/RedisReplyFuzzer.cpp - What a Redis server sends --------------===//
//
// The input is the bytes a Redis server sent, read with small limits so that
// they are reached. A reply that parses took at most the input and holds no
// more than the limits allow; encoded again it parses to the same reply and
// takes every byte of the encoding; each prefix of the input shorter than
// the reply is incomplete, never another reply nor garbage.
//
//===----------------------------------------------------------------------===//

#include "Redis/Reply.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace clang::dist;

namespace {

[[noreturn]] void violated(llvm::StringRef Property) {
  llvm::errs() << "redis reply: " << Property << "\n";
  std::abort();
}

std::string encode(const RedisReply &R) {
  switch (R.Type) {
  case RedisReply::Kind::Nil:
    return "$-1\r\n";
  case RedisReply::Kind::Status:
    return "+" + R.Text + "\r\n";
  case RedisReply::Kind::Error:
    return "-" + R.Text + "\r\n";
  case RedisReply::Kind::Integer:
    return ":" + std::to_string(R.Integer) + "\r\n";
  case RedisReply::Kind::Bulk:
    return "$" + std::to_string(R.Text.size()) + "\r\n" + R.Text + "\r\n";
  case RedisReply::Kind::Array: {
    std::string Out = "*" + std::to_string(R.Elements.size()) + "\r\n";
    for (const RedisReply &E : R.Elements)
      Out += encode(E);
    return Out;
  }
  }
  violated("a reply of no kind");
}

bool same(const RedisReply &A, const RedisReply &B) {
  if (A.Type != B.Type || A.Text != B.Text || A.Integer != B.Integer ||
      A.Elements.size() != B.Elements.size())
    return false;
  for (size_t I = 0; I < A.Elements.size(); ++I)
    if (!same(A.Elements[I], B.Elements[I]))
      return false;
  return true;
}

void checkLimits(const RedisReply &R, const RedisLimits &Limits,
                 unsigned Depth) {
  if (R.Text.size() > Limits.MaxBulk && R.Type == RedisReply::Kind::Bulk)
    violated("a bulk string over the limit");
  if (R.Elements.size() > Limits.MaxElements)
    violated("an array over the limit");
  if (!R.Elements.empty() && Depth == Limits.MaxDepth)
    violated("arrays nested past the limit");
  for (const RedisReply &E : R.Elements)
    checkLimits(E, Limits, Depth + 1);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Input(reinterpret_cast<const char *>(Data), Size);
  RedisLimits Limits;
  Limits.MaxBulk = 64;
  Limits.MaxElements = 8;
  Limits.MaxDepth = 3;
  size_t Consumed = 0;
  llvm::Expected<std::optional<RedisReply>> Reply =
      parseRedisReply(Input, Limits, Consumed);
  if (!Reply) {
    llvm::consumeError(Reply.takeError());
    return 0;
  }
  if (!*Reply)
    return 0;
  if (Consumed == 0 || Consumed > Size)
    violated("a reply took " + std::to_string(Consumed) + " of " +
             std::to_string(Size) + " bytes");
  checkLimits(**Reply, Limits, 0);

  std::string Again = encode(**Reply);
  size_t AgainConsumed = 0;
  llvm::Expected<std::optional<RedisReply>> Reparsed =
      parseRedisReply(Again, Limits, AgainConsumed);
  if (!Reparsed)
    violated("a reply encoded again is garbage: " +
             llvm::toString(Reparsed.takeError()));
  if (!*Reparsed || AgainConsumed != Again.size() || !same(**Reply, **Reparsed))
    violated("a reply encoded again parses to another reply");

  for (size_t Cut = 0; Cut < Consumed; ++Cut) {
    size_t CutConsumed = 0;
    llvm::Expected<std::optional<RedisReply>> Prefix =
        parseRedisReply(Input.take_front(Cut), Limits, CutConsumed);
    if (!Prefix)
      violated("a prefix of a reply is garbage: " +
               llvm::toString(Prefix.takeError()));
    if (*Prefix)
      violated("a prefix of a reply is a reply");
  }
  return 0;
}
