//===- LocalServer/FarmDiscovery.h - Workers from a registry ----*- C++ -*-===//
//
// With `farm redis://...` in its config, the server lists the workers'
// entries (Registry/FarmEntry.h) every 1.5 s, on the pool (Redis calls
// block, each within its deadline), and follows the changes on the io
// thread: a worker that appears joins the SlotPool, one whose entry is gone
// (stopped, or its lease ran out) is retired. Only workers whose clang and
// protocol are the server's are used; the others are logged, counted and
// warned of once each (a farm half upgraded). A Redis that does not answer
// changes nothing: the workers known stay, and are found again when it
// answers.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_FARMDISCOVERY_H
#define CLANG_DIST_LOCALSERVER_FARMDISCOVERY_H

#include "LocalServer/SlotPool.h"
#include "LocalServer/Stats.h"
#include "Redis/Client.h"
#include "Registry/FarmEntry.h"
#include "Support/Log.h"
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>

namespace clang::dist {

class FarmDiscovery {
public:
  struct Options {
    std::chrono::milliseconds Every{1500};
    std::chrono::milliseconds ConnectTimeout{1000};
    std::chrono::milliseconds CommandTimeout{2000};
    /// Entries read at most: the registry is shared, and may hold anything.
    size_t MaxEntries = 4096;
  };

  /// All calls on \p IO's thread; the listing runs on \p Pool. Workers join
  /// \p Slots; what happens is counted in \p Counters.
  FarmDiscovery(boost::asio::io_context &IO, boost::asio::thread_pool &Pool,
                RedisAddress Registry, SlotPool &Slots, Logger &Log,
                Stats &Counters, Options Opts);
  FarmDiscovery(boost::asio::io_context &IO, boost::asio::thread_pool &Pool,
                RedisAddress Registry, SlotPool &Slots, Logger &Log,
                Stats &Counters)
      : FarmDiscovery(IO, Pool, std::move(Registry), Slots, Log, Counters,
                      Options()) {}

  /// Lists the registry now, and then every Options::Every.
  void start();
  /// The first listing is done, answered or not.
  bool listed() const { return Listed; }
  /// Calls \p Then once the first listing is done, answered or not: a
  /// server's first jobs wait for the farm to be found.
  void afterFirstListing(std::function<void()> Then);
  /// Why the farm has no usable slot, as a fallback tells it.
  std::string noSlotsReason() const;
  /// A warning for the next client, once: part of the farm was skipped.
  std::optional<std::string> takeNotice();

private:
  struct Listing;
  /// On the pool: the entries under FarmKeyPrefix, or why not.
  Listing list();
  void apply(Listing L);
  /// Joins and retires workers as \p L has them.
  void follow(const Listing &L);
  /// Whether \p Key, with \p Value, is to be logged and counted as skipped:
  /// once for each value it has.
  bool tellOnce(const std::string &Key, const std::string &Value);
  void listLater();

  boost::asio::io_context &IO;
  boost::asio::thread_pool &Pool;
  const RedisAddress Registry;
  const std::string Name;
  SlotPool &Slots;
  Logger &Log;
  Stats &Counters;
  const Options Opts;
  boost::asio::steady_timer Timer;
  /// The pool's, one listing at a time.
  RedisConnection Connection;

  struct Known {
    FarmEntry Entry;
    /// Its slots' indices in the SlotPool.
    std::vector<size_t> Slots;
  };
  /// The workers in use, by key.
  std::map<std::string, Known> Workers;
  /// Keys logged and counted as skipped (another version, malformed), with
  /// the value they had: told again only if it changes.
  std::map<std::string, std::string> Told;
  /// Workers skipped for their versions in the last listing.
  std::map<std::string, FarmEntry> Skewed;
  /// A worker was skipped for its version since the last notice.
  bool NewlySkewed = false;
  bool Listed = false;
  bool Down = false;
  bool TruncationTold = false;
  std::string LastError;
  std::vector<std::function<void()>> Waiting;
  std::deque<std::string> Notices;
};

} // namespace clang::dist

#endif
