//===- ResultCache/SharedStore.h - A team's cache in Redis ------*- C++ -*-===//
//
// The shared result cache: values in a Redis a team shares (`cache
// redis://HOST:PORT[/DB]`), under `clang-dist:KEY`, evicted by Redis itself
// (maxmemory-policy allkeys-lru). A build must never wait on it: a Redis that
// does not answer, or answers with what is not Redis's protocol, is skipped
// for a while (every call a miss or a no-op, at once), and the user is told
// once per outage.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_SHAREDSTORE_H
#define CLANG_DIST_RESULTCACHE_SHAREDSTORE_H

#include "Redis/Client.h"
#include "ResultCache/Store.h"
#include "llvm/ADT/StringSet.h"
#include <chrono>
#include <mutex>
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
  std::vector<std::string> Notices;
};

} // namespace clang::dist

#endif
