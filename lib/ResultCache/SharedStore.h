//===- ResultCache/SharedStore.h - A team's cache in Redis ------*- C++ -*-===//
//
// The shared result cache: values in a Redis a team shares (`cache
// redis://HOST:PORT[/DB]`), under `clang-dist:KEY`, evicted by Redis itself
// (maxmemory-policy allkeys-lru). A build must never wait on it: a Redis that
// does not answer, or answers with what is not Redis's protocol, is skipped
// for a while (every call a miss or a no-op, at once), and the user is told
// once per outage.
//
// With the farm's secret, each value is signed: anyone who can write to the
// Redis could otherwise put an object into every build of the team. A value
// whose signature does not check out is a miss, and is left in place: it may
// be a teammate's whose config lacks the secret.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_SHAREDSTORE_H
#define CLANG_DIST_RESULTCACHE_SHAREDSTORE_H

#include "Redis/Client.h"
#include "ResultCache/Store.h"
#include "llvm/ADT/StringSet.h"
#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <vector>

namespace clang::dist {

class Logger;

class SharedStore final : public CacheStore {
public:
  struct Options {
    std::chrono::milliseconds ConnectTimeout{1000};
    /// One command's deadline: a GET of 100 MB on a LAN takes well under a
    /// second, a Redis that takes more is in trouble.
    std::chrono::milliseconds CommandTimeout{5000};
    /// How long an outage is skipped before one caller tries again.
    std::chrono::milliseconds SkipFor{60000};
    /// MaxBulk: the largest value stored or loaded; a larger one in Redis
    /// is a miss, refused by its length before anything is allocated.
    RedisLimits Limits{256u << 20};
    /// Signs the values stored and checks those loaded
    /// (SharedSecret::cacheKey); none: values are neither.
    std::optional<std::array<uint8_t, 32>> SigningKey;
  };

  /// Connects on first use, never here.
  SharedStore(RedisAddress Address, Logger &Log, Options Opts);
  SharedStore(RedisAddress Address, Logger &Log)
      : SharedStore(std::move(Address), Log, Options()) {}

  std::optional<std::string> load(llvm::StringRef Key) override;
  void store(llvm::StringRef Key, llvm::StringRef Value) override;
  void remove(llvm::StringRef Key) override;

  /// A sentence for the user, once: that the store is skipped after an
  /// outage began, or that Redis refuses a command (once per kind of
  /// error). std::nullopt if there is nothing new to tell.
  std::optional<std::string> takeNotice() override;

private:
  /// One call's connection, and what the store was when the call began.
  struct Turn;

  /// The reply to \p Args, or std::nullopt if Redis is skipped or failed
  /// (which this records).
  std::optional<RedisReply> run(llvm::ArrayRef<llvm::StringRef> Args);
  std::optional<Turn> begin();
  void succeeded(Turn &T);
  void failed(Turn &T, RedisError::Kind Kind, llvm::StringRef Message);
  /// Tells of an error reply once per kind (its first word).
  void refused(llvm::StringRef Command, llvm::StringRef Text);
  /// \p Value as stored under \p RedisKey: signed if the store signs.
  std::string sign(llvm::StringRef RedisKey, llvm::StringRef Value) const;
  /// The value \p Stored holds, if its signature is what this store expects
  /// under \p RedisKey (none, if it signs nothing); else tells why once.
  std::optional<std::string> checkSignature(llvm::StringRef RedisKey,
                                            std::string Stored);
  /// Tells \p Line once in the store's life, in the log and to the user.
  void tellOnce(bool &Told, const std::string &Line);

  const RedisAddress Address;
  const std::string Name;
  Logger &Log;
  const Options Opts;

  std::mutex Mutex;
  /// Connections that answered their last command, for the next callers.
  std::vector<RedisClient> Idle;
  /// Counts outages and recoveries: a call that began before the last one
  /// changes nothing.
  uint64_t Epoch = 0;
  bool Down = false;
  /// One caller tries again after the skip period; the others skip on.
  bool Probing = false;
  std::chrono::steady_clock::time_point SkipUntil;
  std::chrono::steady_clock::time_point DownSince;
  /// Fresh connections that ended in garbage since the last good reply.
  unsigned BrokenInARow = 0;
  llvm::StringSet<> ErrorKindsTold;
  bool ToldUnsigned = false;
  bool ToldSigned = false;
  std::vector<std::string> Notices;
};

} // namespace clang::dist

#endif
