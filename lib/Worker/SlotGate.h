//===- Worker/SlotGate.h - A slot's one job at a time -----------*- C++ -*-===//
//
// The io thread's side of SlotTurns: which connection's job the slot takes,
// the refusals, the offers (SlotFree) to the waiters and their deadlines,
// and the counts of each for the metrics. Connections ask it before they
// queue a job, and tell it when a job of theirs ended, when they decline an
// offer and when they close.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_SLOTGATE_H
#define CLANG_DIST_WORKER_SLOTGATE_H

#include "Support/Log.h"
#include "Worker/SlotCounters.h"
#include "Worker/SlotTurns.h"
#include "llvm/ADT/DenseMap.h"
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace clang::dist {

class Connection;

/// How long the slot waits for the answer to an offer before it offers
/// itself to the next waiter: generous, since a server that answers at all
/// answers in milliseconds; the cost of a silent one is this much of the
/// slot's time.
inline constexpr std::chrono::seconds OfferTimeout(5);
/// How quickly a user's past use of a slot stops counting against it.
inline constexpr std::chrono::seconds UsageHalfLife(60);

/// All calls on the io thread.
class SlotGate {
public:
  SlotGate(boost::asio::io_context &IO, Logger &Log, SlotCounters &Counters);

  /// A connection that finished its handshake; its number for the rest.
  SlotTurns::ConnectionId join(std::weak_ptr<Connection> Conn);
  /// Whether the slot takes a job of \p Conn's now; if not, \p Conn waits
  /// for an offer.
  bool tryStart(SlotTurns::ConnectionId Conn, llvm::StringRef User);
  /// The job the slot took ended (compiled, or dropped with its
  /// connection): the next waiter, if any, is offered the slot.
  void finished();
  /// \p Conn declined the offer it had, or any it would have had.
  void declined(SlotTurns::ConnectionId Conn);
  /// \p Conn closed.
  void closed(SlotTurns::ConnectionId Conn);

private:
  /// Offers the slot to \p To, or to the next waiter if \p To is gone.
  void offer(std::optional<SlotTurns::ConnectionId> To);
  void armDeadline();

  Logger &Log;
  SlotCounters &Counters;
  SlotTurns Turns;
  boost::asio::steady_timer Deadline;
  SlotTurns::ConnectionId NextId = 1;
  llvm::DenseMap<SlotTurns::ConnectionId, std::weak_ptr<Connection>> Members;
};

} // namespace clang::dist

#endif
