//===- Worker/SlotTurns.h - Whose turn a slot is ----------------*- C++ -*-===//
//
// A slot is the authority on itself: it runs one job at a time and never
// queues one behind another. A job that comes while the slot compiles, or
// while it is offered to another server, is refused at once (SlotBusy), and
// its connection becomes a waiter. When the compile ends, the slot offers
// itself (SlotFree) to one waiter, reserved for it until a deadline: the
// waiter whose user had the least of this slot's time lately (a sum of
// compile seconds that halves every HalfLife), the longest waiting among
// equals. Per user, not per connection: a user's many servers, or one
// server's -j200, do not get more of the slot than another user's -j8.
//
// Pure bookkeeping: no I/O, no clock of its own, the io thread's alone, so
// it is tested without sockets or time. Connections are numbers here.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_SLOTTURNS_H
#define CLANG_DIST_WORKER_SLOTTURNS_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace clang::dist {

class SlotTurns {
public:
  using Clock = std::chrono::steady_clock;
  using ConnectionId = uint64_t;

  SlotTurns(Clock::duration HalfLife, Clock::duration Reservation)
      : HalfLife(HalfLife), Reservation(Reservation) {}

  /// A job from \p Conn, of \p User, arrived. True: it runs now (the slot
  /// was free, or reserved for \p Conn, or past its reservation's deadline)
  /// and
  /// the slot is busy until finished(). False: it is refused, and \p Conn
  /// is a waiter.
  bool tryStart(ConnectionId Conn, llvm::StringRef User, Clock::time_point Now);
  /// The running job ended; its user is charged for the time it took. The
  /// waiter to offer the slot to, now reserved for it, or none: the slot is
  /// free.
  std::optional<ConnectionId> finished(Clock::time_point Now);
  /// \p Conn declined an offer, or closed: it is no longer a waiter. If the
  /// slot was reserved for it, the next waiter to offer the slot to.
  std::optional<ConnectionId> leave(ConnectionId Conn, Clock::time_point Now);
  /// If the reservation's deadline has passed: its connection is no longer
  /// a waiter, and the next one to offer the slot to.
  std::optional<ConnectionId> expire(Clock::time_point Now);

  bool busy() const { return Running.has_value(); }
  /// The connection the slot is offered to, while it is.
  std::optional<ConnectionId> offeredTo() const {
    if (!Reserved)
      return std::nullopt;
    return Reserved->Conn;
  }
  /// The reservation's deadline, while the slot is offered.
  std::optional<Clock::time_point> deadline() const {
    if (!Reserved)
      return std::nullopt;
    return Reserved->Deadline;
  }
  size_t waiters() const { return Waiters.size(); }
  /// \p User's decayed compile seconds on this slot, at \p Now.
  double usage(llvm::StringRef User, Clock::time_point Now) const;

private:
  struct Waiter {
    ConnectionId Conn;
    std::string User;
    Clock::time_point Since;
  };
  struct Job {
    ConnectionId Conn;
    std::string User;
    Clock::time_point Started;
  };
  struct Offer {
    ConnectionId Conn;
    Clock::time_point Deadline;
  };
  struct Usage {
    double Seconds = 0;
    Clock::time_point At;
  };

  std::optional<ConnectionId> offerNext(Clock::time_point Now);
  void charge(llvm::StringRef User, Clock::duration Took,
              Clock::time_point Now);

  Clock::duration HalfLife;
  Clock::duration Reservation;
  std::optional<Job> Running;
  std::optional<Offer> Reserved;
  std::vector<Waiter> Waiters;
  llvm::StringMap<Usage> Used;
};

} // namespace clang::dist

#endif
