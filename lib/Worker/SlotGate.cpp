//===- Worker/SlotGate.cpp - A slot's one job at a time -------------------===//

#include "Worker/SlotGate.h"
#include "Worker/Connection.h"
#include "llvm/Support/FormatVariadic.h"

using namespace clang::dist;
using Clock = SlotTurns::Clock;

SlotGate::SlotGate(boost::asio::io_context &IO, Logger &Log,
                   SlotCounters &Counters)
    : Log(Log), Counters(Counters), Turns(UsageHalfLife, OfferTimeout),
      Deadline(IO) {}

SlotTurns::ConnectionId SlotGate::join(std::weak_ptr<Connection> Conn) {
  SlotTurns::ConnectionId Id = NextId++;
  Members[Id] = std::move(Conn);
  return Id;
}

bool SlotGate::tryStart(SlotTurns::ConnectionId Conn, llvm::StringRef User) {
  bool Offered = Turns.offeredTo() == Conn;
  bool Started = Turns.tryStart(Conn, User, Clock::now());
  if (Started && Offered)
    Counters.offerEnded(OfferOutcome::Taken);
  Counters.Waiters = Turns.waiters();
  return Started;
}

void SlotGate::finished() { offer(Turns.finished(Clock::now())); }

void SlotGate::declined(SlotTurns::ConnectionId Conn) {
  if (Turns.offeredTo() == Conn)
    Counters.offerEnded(OfferOutcome::Declined);
  offer(Turns.leave(Conn, Clock::now()));
}

void SlotGate::closed(SlotTurns::ConnectionId Conn) {
  Members.erase(Conn);
  if (Turns.offeredTo() == Conn)
    Counters.offerEnded(OfferOutcome::Closed);
  offer(Turns.leave(Conn, Clock::now()));
}

void SlotGate::offer(std::optional<SlotTurns::ConnectionId> To) {
  while (To) {
    auto It = Members.find(*To);
    std::shared_ptr<Connection> Conn =
        It == Members.end() ? nullptr : It->second.lock();
    if (Conn && Conn->offer()) {
      armDeadline();
      break;
    }
    Counters.offerEnded(OfferOutcome::Closed);
    To = Turns.leave(*To, Clock::now());
  }
  Counters.Waiters = Turns.waiters();
}

void SlotGate::armDeadline() {
  Deadline.expires_at(*Turns.deadline());
  Deadline.async_wait([this](boost::system::error_code EC) {
    if (EC)
      return;
    std::optional<SlotTurns::ConnectionId> Late = Turns.offeredTo();
    std::optional<SlotTurns::ConnectionId> Next = Turns.expire(Clock::now());
    if (Late && Turns.offeredTo() != Late) {
      Counters.offerEnded(OfferOutcome::Expired);
      auto It = Members.find(*Late);
      if (std::shared_ptr<Connection> Conn =
              It == Members.end() ? nullptr : It->second.lock())
        Log.log(LogLevel::Warning,
                llvm::formatv("{0} did not answer the slot's offer within {1} "
                              "s; offered to the next waiter",
                              Conn->peerName(), OfferTimeout.count()));
    }
    offer(Next);
  });
}
