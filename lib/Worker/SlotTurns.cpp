//===- Worker/SlotTurns.cpp - Whose turn a slot is ------------------------===//

#include "Worker/SlotTurns.h"
#include "llvm/ADT/STLExtras.h"
#include <cmath>

using namespace clang::dist;

/// Users whose decayed time fell below this are forgotten, so that the map
/// holds the users of the last few half-lives, not every user ever seen.
static constexpr double ForgottenSeconds = 1e-3;

double SlotTurns::usage(llvm::StringRef User, Clock::time_point Now) const {
  auto It = Used.find(User);
  if (It == Used.end())
    return 0;
  std::chrono::duration<double> Age = Now - It->second.At;
  std::chrono::duration<double> Half = HalfLife;
  return It->second.Seconds * std::exp2(-Age.count() / Half.count());
}

void SlotTurns::charge(llvm::StringRef User, Clock::duration Took,
                       Clock::time_point Now) {
  double Before = usage(User, Now);
  Used[User] = {Before + std::chrono::duration<double>(Took).count(), Now};
  for (auto It = Used.begin(); It != Used.end();) {
    auto This = It++;
    if (usage(This->first(), Now) < ForgottenSeconds)
      Used.erase(This);
  }
}

bool SlotTurns::tryStart(ConnectionId Conn, llvm::StringRef User,
                         Clock::time_point Now) {
  // A reservation past its deadline whose timer has not fired yet: the
  // job that came takes the slot, and the waiters keep their turns.
  if (Reserved && Reserved->Conn != Conn && Reserved->Deadline <= Now)
    Reserved.reset();
  if (Running || (Reserved && Reserved->Conn != Conn)) {
    if (llvm::none_of(Waiters, [&](const Waiter &W) { return W.Conn == Conn; }))
      Waiters.push_back({Conn, User.str(), Now});
    return false;
  }
  Reserved.reset();
  llvm::erase_if(Waiters, [&](const Waiter &W) { return W.Conn == Conn; });
  Running = Job{Conn, User.str(), Now};
  return true;
}

std::optional<SlotTurns::ConnectionId>
SlotTurns::finished(Clock::time_point Now) {
  if (Running)
    charge(Running->User, Now - Running->Started, Now);
  Running.reset();
  return offerNext(Now);
}

std::optional<SlotTurns::ConnectionId> SlotTurns::leave(ConnectionId Conn,
                                                        Clock::time_point Now) {
  llvm::erase_if(Waiters, [&](const Waiter &W) { return W.Conn == Conn; });
  if (!Reserved || Reserved->Conn != Conn)
    return std::nullopt;
  Reserved.reset();
  return offerNext(Now);
}

std::optional<SlotTurns::ConnectionId>
SlotTurns::expire(Clock::time_point Now) {
  if (!Reserved || Reserved->Deadline > Now)
    return std::nullopt;
  return leave(Reserved->Conn, Now);
}

std::optional<SlotTurns::ConnectionId>
SlotTurns::offerNext(Clock::time_point Now) {
  if (Running || Reserved || Waiters.empty())
    return std::nullopt;
  // Waiters are in arrival order: the first of the least used waited longest.
  auto Next = Waiters.begin();
  double Least = usage(Next->User, Now);
  for (auto It = std::next(Waiters.begin()); It != Waiters.end(); ++It)
    if (double U = usage(It->User, Now); U < Least) {
      Least = U;
      Next = It;
    }
  Reserved = Offer{Next->Conn, Now + Reservation};
  ConnectionId Chosen = Next->Conn;
  Waiters.erase(Next);
  return Chosen;
}
