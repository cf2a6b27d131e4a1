//===- unittests/Worker/SlotTurnsTest.cpp - Whose turn a slot is ----------===//

#include "Worker/SlotTurns.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace std::chrono_literals;
using Id = SlotTurns::ConnectionId;

namespace {

const SlotTurns::Clock::time_point T0{};

SlotTurns turns() { return SlotTurns(/*HalfLife=*/60s, /*Reservation=*/5s); }

} // namespace

TEST_CASE("SlotTurns takes a job when free, refuses one when busy",
          "[SlotTurns]") {
  SlotTurns T = turns();
  CHECK(T.tryStart(1, "alice", T0));
  CHECK(T.busy());
  CHECK_FALSE(T.tryStart(2, "bob", T0));
  CHECK(T.waiters() == 1);
  // A refused connection refused again waits once, from its first refusal.
  CHECK_FALSE(T.tryStart(2, "bob", T0 + 1s));
  CHECK(T.waiters() == 1);
  // The job ends: the waiter is offered the slot, reserved for it.
  CHECK(T.finished(T0 + 2s) == std::optional<Id>(2));
  CHECK(T.offeredTo() == std::optional<Id>(2));
  CHECK(T.deadline() == T0 + 7s);
  CHECK(T.waiters() == 0);
  // Meanwhile the first server's next job is refused: the slot is offered.
  CHECK_FALSE(T.tryStart(1, "alice", T0 + 2s));
  // The one it is offered to takes it.
  CHECK(T.tryStart(2, "bob", T0 + 2s));
  CHECK_FALSE(T.offeredTo());
}

TEST_CASE("SlotTurns never refuses the server whose job just ended when no "
          "one else waits",
          "[SlotTurns]") {
  SlotTurns T = turns();
  CHECK(T.tryStart(1, "alice", T0));
  CHECK_FALSE(T.finished(T0 + 1s));
  CHECK(T.tryStart(1, "alice", T0 + 1s));
}

TEST_CASE("SlotTurns offers the slot to the user who had least of it",
          "[SlotTurns]") {
  SlotTurns T = turns();
  // Alice had 10 s of the slot, Carol 2 s.
  CHECK(T.tryStart(1, "alice", T0));
  CHECK_FALSE(T.finished(T0 + 10s));
  CHECK(T.tryStart(3, "carol", T0 + 10s));
  CHECK_FALSE(T.finished(T0 + 12s));
  CHECK(T.tryStart(1, "alice", T0 + 12s));
  // Alice's second connection (another server of hers), then Carol, then
  // Bob wait, in that order.
  CHECK_FALSE(T.tryStart(4, "alice", T0 + 13s));
  CHECK_FALSE(T.tryStart(3, "carol", T0 + 14s));
  CHECK_FALSE(T.tryStart(2, "bob", T0 + 15s));
  // Bob never had the slot: his turn, though he came last.
  CHECK(T.finished(T0 + 16s) == std::optional<Id>(2));
  CHECK(T.tryStart(2, "bob", T0 + 16s));
  // Bob had 1 s, Carol 2 s, Alice 14 s (by both her servers: per user).
  CHECK(T.finished(T0 + 17s) == std::optional<Id>(3));
  CHECK(T.tryStart(3, "carol", T0 + 17s));
  CHECK(T.finished(T0 + 18s) == std::optional<Id>(4));
}

TEST_CASE("SlotTurns breaks ties by the longest wait", "[SlotTurns]") {
  SlotTurns T = turns();
  CHECK(T.tryStart(1, "alice", T0));
  CHECK_FALSE(T.tryStart(3, "carol", T0 + 1s));
  CHECK_FALSE(T.tryStart(2, "bob", T0 + 2s));
  CHECK(T.finished(T0 + 3s) == std::optional<Id>(3));
}

TEST_CASE("SlotTurns forgets past use by half every half-life", "[SlotTurns]") {
  SlotTurns T = turns();
  CHECK(T.tryStart(1, "alice", T0));
  CHECK_FALSE(T.finished(T0 + 8s));
  CHECK(T.usage("alice", T0 + 8s) == Approx(8));
  CHECK(T.usage("alice", T0 + 68s) == Approx(4));
  CHECK(T.usage("alice", T0 + 128s) == Approx(2));
  CHECK(T.usage("bob", T0 + 8s) == 0);
  // Bob had 3 s lately; Alice's 8 s are long past: her turn first.
  CHECK(T.tryStart(2, "bob", T0 + 200s));
  CHECK_FALSE(T.tryStart(1, "alice", T0 + 201s));
  CHECK(T.finished(T0 + 203s) == std::optional<Id>(1));
  CHECK(T.usage("alice", T0 + 203s) < T.usage("bob", T0 + 203s));
}

TEST_CASE("SlotTurns moves an offer on when it is declined, its connection "
          "closes or its deadline passes",
          "[SlotTurns]") {
  SlotTurns T = turns();
  CHECK(T.tryStart(1, "alice", T0));
  CHECK_FALSE(T.tryStart(2, "bob", T0));
  CHECK_FALSE(T.tryStart(3, "carol", T0));
  CHECK_FALSE(T.tryStart(4, "dave", T0));
  CHECK(T.finished(T0 + 1s) == std::optional<Id>(2));
  // Declined: the next waiter.
  CHECK(T.leave(2, T0 + 1s) == std::optional<Id>(3));
  // A waiter that closes while the slot is offered to another: no change.
  CHECK_FALSE(T.leave(4, T0 + 1s));
  CHECK(T.offeredTo() == std::optional<Id>(3));
  // Not yet past the deadline.
  CHECK_FALSE(T.expire(T0 + 5s));
  CHECK(T.offeredTo() == std::optional<Id>(3));
  // Past it: no waiter is left, and the slot is free.
  CHECK_FALSE(T.expire(T0 + 6s));
  CHECK_FALSE(T.offeredTo());
  CHECK_FALSE(T.busy());
  // A late answer from the silent one is a job like any other.
  CHECK(T.tryStart(3, "carol", T0 + 7s));
}

TEST_CASE("SlotTurns lets a job take a slot whose offer's deadline passed",
          "[SlotTurns]") {
  SlotTurns T = turns();
  CHECK(T.tryStart(1, "alice", T0));
  CHECK_FALSE(T.tryStart(2, "bob", T0));
  CHECK_FALSE(T.tryStart(3, "carol", T0));
  CHECK(T.finished(T0 + 1s) == std::optional<Id>(2));
  // Before the timer said so: the job that came takes the slot, and Carol
  // keeps her turn for when it ends.
  CHECK(T.tryStart(1, "alice", T0 + 7s));
  CHECK(T.waiters() == 1);
  CHECK(T.finished(T0 + 8s) == std::optional<Id>(3));
}
