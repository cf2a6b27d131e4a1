//===- ResultCache/SharedStore.cpp - A team's cache in Redis --------------===//

#include "ResultCache/SharedStore.h"
#include "Support/Log.h"
#include "llvm-c/blake3.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"

using namespace clang::dist;
using Clock = std::chrono::steady_clock;

namespace {

/// Fresh connections that may end in garbage (a closed connection, what is
/// not RESP, a value over the limit) before the store is skipped as if down:
/// a port that is not a Redis's would otherwise cost a connect on every call.
constexpr unsigned MaxBrokenInARow = 3;
/// Kinds of error replies told (their first word: OOM, NOAUTH, READONLY):
/// a hostile server could invent any number.
constexpr size_t MaxErrorKindsTold = 16;
/// Notices kept for the server to take: it takes one per job.
constexpr size_t MaxNotices = 8;

std::string duration(std::chrono::milliseconds D) {
  if (D.count() < 1000)
    return llvm::formatv("{0} ms", D.count());
  return llvm::formatv("{0} s", D.count() / 1000);
}

/// Text of Redis's for a line a terminal shows: bounded, and no escapes.
std::string printable(llvm::StringRef Text) {
  std::string Out = Text.take_front(200).str();
  for (char &C : Out)
    if (static_cast<unsigned char>(C) < 0x20 || C == 0x7f)
      C = '?';
  return Out;
}

/// What a signed value starts with, then its signature, then the value.
constexpr llvm::StringLiteral SignedMagic = "CDSG";
constexpr size_t SignedHeaderSize = 4 + 32;

/// Binds \p Value to \p RedisKey: a signed value moved to another key does
/// not check out there.
std::array<uint8_t, 32> signature(const std::array<uint8_t, 32> &Key,
                                  llvm::StringRef RedisKey,
                                  llvm::StringRef Value) {
  llvm_blake3_hasher Hasher;
  llvm_blake3_hasher_init_keyed(&Hasher, Key.data());
  char Size[8];
  llvm::support::endian::write64le(Size, RedisKey.size());
  llvm_blake3_hasher_update(&Hasher, Size, sizeof(Size));
  llvm_blake3_hasher_update(&Hasher, RedisKey.data(), RedisKey.size());
  llvm_blake3_hasher_update(&Hasher, Value.data(), Value.size());
  std::array<uint8_t, 32> Out;
  llvm_blake3_hasher_finalize(&Hasher, Out.data(), Out.size());
  return Out;
}

struct Failure {
  RedisError::Kind Kind = RedisError::Broken;
  std::string Message;
};

Failure describe(llvm::Error E) {
  Failure F;
  llvm::handleAllErrors(
      std::move(E),
      [&](const RedisError &R) {
        F.Kind = R.kind();
        F.Message = R.message();
      },
      [&](const llvm::ErrorInfoBase &Other) { F.Message = Other.message(); });
  return F;
}

} // namespace

struct SharedStore::Turn {
  std::optional<RedisClient> Connection;
  /// The connection served an earlier call: Redis may have closed it since.
  bool Reused = false;
  /// The caller that tries again after an outage.
  bool Probe = false;
  uint64_t Epoch = 0;
};

SharedStore::SharedStore(RedisAddress Address, Logger &Log, Options Opts)
    : Address(std::move(Address)), Name(this->Address.str()), Log(Log),
      Opts(Opts) {}

std::optional<std::string> SharedStore::load(llvm::StringRef Key) {
  std::string RedisKey = ("clang-dist:" + Key).str();
  std::optional<RedisReply> Reply = run({"GET", RedisKey});
  if (!Reply)
    return std::nullopt;
  if (Reply->Type == RedisReply::Kind::Error)
    refused("GET", Reply->Text);
  // Nil is a miss, and so is anything but a value: a key someone made a list
  // (an error reply), or a server that is not quite a Redis.
  if (Reply->Type != RedisReply::Kind::Bulk)
    return std::nullopt;
  return checkSignature(RedisKey, std::move(Reply->Text));
}

void SharedStore::store(llvm::StringRef Key, llvm::StringRef Value) {
  std::string RedisKey = ("clang-dist:" + Key).str();
  std::string Stored = sign(RedisKey, Value);
  // Nobody could load it.
  if (Stored.size() > Opts.Limits.MaxBulk)
    return;
  std::optional<RedisReply> Reply = run({"SET", RedisKey, Stored});
  if (Reply && Reply->Type == RedisReply::Kind::Error)
    refused("SET", Reply->Text);
}

void SharedStore::remove(llvm::StringRef Key) {
  std::string RedisKey = ("clang-dist:" + Key).str();
  std::optional<RedisReply> Reply = run({"DEL", RedisKey});
  if (Reply && Reply->Type == RedisReply::Kind::Error)
    refused("DEL", Reply->Text);
}

std::string SharedStore::sign(llvm::StringRef RedisKey,
                              llvm::StringRef Value) const {
  if (!Opts.SigningKey)
    return Value.str();
  std::string Stored(SignedMagic);
  std::array<uint8_t, 32> Signature =
      signature(*Opts.SigningKey, RedisKey, Value);
  Stored.append(reinterpret_cast<const char *>(Signature.data()),
                Signature.size());
  Stored.append(Value.data(), Value.size());
  return Stored;
}

std::optional<std::string> SharedStore::checkSignature(llvm::StringRef RedisKey,
                                                       std::string Stored) {
  bool Signed = llvm::StringRef(Stored).startswith(SignedMagic) &&
                Stored.size() >= SignedHeaderSize;
  if (!Opts.SigningKey) {
    if (!Signed)
      return Stored;
    // Left in place for the teammates who have the secret.
    tellOnce(ToldSigned,
             llvm::formatv("the shared cache {0} holds values signed with a "
                           "farm secret, and this config has none: they are "
                           "misses",
                           Name));
    return std::nullopt;
  }
  if (Signed) {
    llvm::StringRef Value =
        llvm::StringRef(Stored).drop_front(SignedHeaderSize);
    std::array<uint8_t, 32> Expected =
        signature(*Opts.SigningKey, RedisKey, Value);
    uint8_t Diff = 0;
    for (size_t I = 0; I != Expected.size(); ++I)
      Diff |=
          Expected[I] ^ static_cast<uint8_t>(Stored[SignedMagic.size() + I]);
    if (Diff == 0)
      return Stored.substr(SignedHeaderSize);
  }
  tellOnce(ToldUnsigned,
           llvm::formatv("the shared cache {0} holds values not signed with "
                         "this config's secret (a teammate's config without "
                         "it, another secret, or forged): they are misses",
                         Name));
  return std::nullopt;
}

void SharedStore::tellOnce(bool &Told, const std::string &Line) {
  std::lock_guard<std::mutex> Lock(Mutex);
  if (Told)
    return;
  Told = true;
  Log.log(Line);
  if (Notices.size() < MaxNotices)
    Notices.push_back(Line);
}

std::optional<std::string> SharedStore::takeNotice() {
  std::lock_guard<std::mutex> Lock(Mutex);
  if (Notices.empty())
    return std::nullopt;
  std::string Notice = std::move(Notices.front());
  Notices.erase(Notices.begin());
  return Notice;
}

std::optional<RedisReply>
SharedStore::run(llvm::ArrayRef<llvm::StringRef> Args) {
  std::optional<Turn> T = begin();
  if (!T)
    return std::nullopt;
  while (true) {
    if (!T->Connection) {
      llvm::Expected<RedisClient> Connected =
          RedisClient::connect(Address, Opts.ConnectTimeout, Opts.Limits);
      if (!Connected) {
        Failure F = describe(Connected.takeError());
        failed(*T, F.Kind, F.Message);
        return std::nullopt;
      }
      T->Connection.emplace(std::move(*Connected));
      T->Reused = false;
    }
    llvm::Expected<RedisReply> Reply =
        T->Connection->command(Args, Opts.CommandTimeout);
    if (Reply) {
      succeeded(*T);
      return std::move(*Reply);
    }
    Failure F = describe(Reply.takeError());
    // An idle connection that Redis closed (restarted, or its `timeout`
    // passed) says nothing about Redis now: the call tries a fresh one. One
    // that took the deadline does.
    if (T->Reused && F.Kind != RedisError::TimedOut) {
      T->Connection.reset();
      continue;
    }
    failed(*T, F.Kind, F.Message);
    return std::nullopt;
  }
}

std::optional<SharedStore::Turn> SharedStore::begin() {
  std::lock_guard<std::mutex> Lock(Mutex);
  Turn T;
  T.Epoch = Epoch;
  if (Down) {
    if (Probing || Clock::now() < SkipUntil)
      return std::nullopt;
    Probing = T.Probe = true;
    return T;
  }
  if (!Idle.empty()) {
    T.Connection.emplace(std::move(Idle.back()));
    Idle.pop_back();
    T.Reused = true;
  }
  return T;
}

void SharedStore::succeeded(Turn &T) {
  std::lock_guard<std::mutex> Lock(Mutex);
  // A call that began before an outage or a recovery neither ends one nor
  // keeps a connection of the time before.
  if (T.Epoch != Epoch)
    return;
  BrokenInARow = 0;
  if (T.Probe) {
    Down = Probing = false;
    ++Epoch;
    auto Skipped = std::chrono::duration_cast<std::chrono::milliseconds>(
        Clock::now() - DownSince);
    Log.log(llvm::formatv("the shared cache {0} answers again, after {1} "
                          "skipped",
                          Name, duration(Skipped)));
  }
  Idle.push_back(std::move(*T.Connection));
}

void SharedStore::failed(Turn &T, RedisError::Kind Kind,
                         llvm::StringRef Message) {
  std::lock_guard<std::mutex> Lock(Mutex);
  if (T.Probe)
    Probing = false;
  if (T.Epoch != Epoch)
    return;
  Clock::time_point Now = Clock::now();
  if (Down) {
    // The probe failed: the same outage goes on, untold.
    SkipUntil = Now + Opts.SkipFor;
    return;
  }
  if (Kind == RedisError::Broken && ++BrokenInARow < MaxBrokenInARow) {
    Log.log(
        llvm::formatv("the shared cache dropped a connection: {0}", Message));
    return;
  }
  Down = true;
  ++Epoch;
  BrokenInARow = 0;
  DownSince = Now;
  SkipUntil = Now + Opts.SkipFor;
  // Connections of before the outage would fail as this one did.
  Idle.clear();
  std::string Subject =
      Message.contains(Name) ? "the shared cache" : "the shared cache " + Name;
  std::string What =
      Kind == RedisError::Broken
          ? llvm::formatv("fails ({0}; {1} times in a row)", Message,
                          MaxBrokenInARow)
                .str()
      : Kind == RedisError::Refused
          ? llvm::formatv("refuses this server ({0})", Message).str()
          : llvm::formatv("does not answer ({0})", Message).str();
  Log.log(llvm::formatv("{0} {1}; skipped for {2}", Subject, What,
                        duration(Opts.SkipFor)));
  if (Notices.size() < MaxNotices)
    Notices.push_back(llvm::formatv("{0} {1}; compiling without it for {2}",
                                    Subject, What, duration(Opts.SkipFor)));
}

void SharedStore::refused(llvm::StringRef Command, llvm::StringRef Text) {
  std::string Kind = printable(Text.split(' ').first.take_front(32));
  std::lock_guard<std::mutex> Lock(Mutex);
  if (ErrorKindsTold.size() >= MaxErrorKindsTold ||
      !ErrorKindsTold.insert(Kind).second)
    return;
  std::string Line = llvm::formatv("the shared cache {0} refuses {1}: {2}",
                                   Name, Command, printable(Text));
  Log.log(Line + " (told once for each kind of error)");
  if (Notices.size() < MaxNotices)
    Notices.push_back(std::move(Line));
}
