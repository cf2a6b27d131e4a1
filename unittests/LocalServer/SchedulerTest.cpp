//===- unittests/LocalServer/SchedulerTest.cpp - Slot choice --------------===//

#include "LocalServer/Scheduler.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace std::chrono_literals;

namespace {

/// Records what each acquire() was given.
struct Recorder {
  std::vector<std::optional<size_t>> Given;
  Scheduler::ReadyFn callback() {
    return [this](std::optional<size_t> Slot) { Given.push_back(Slot); };
  }
};

const Scheduler::Clock::time_point T0{};
/// Any seed: the tests hold for each.
constexpr uint64_t Seed = 18;

} // namespace

TEST_CASE("Scheduler gives each free slot one job, round robin while "
          "speeds are unknown or alike",
          "[Scheduler]") {
  Scheduler S(3, 30s, Seed);
  Recorder R;
  for (int I = 0; I < 3; ++I)
    S.acquire(R.callback(), T0);
  REQUIRE(R.Given == std::vector<std::optional<size_t>>{0, 1, 2});
  CHECK(S.isBusy(0));
  CHECK(S.isBusy(1));
  CHECK(S.isBusy(2));

  // Slot 0 frees first, yet the search starts after the slot chosen last.
  S.release(0, false, T0);
  S.release(1, false, T0);
  S.acquire(R.callback(), T0);
  CHECK(R.Given.back() == std::optional<size_t>(0));
  S.acquire(R.callback(), T0);
  CHECK(R.Given.back() == std::optional<size_t>(1));
}

TEST_CASE("Scheduler prefers a free slot over a busy one", "[Scheduler]") {
  Scheduler S(2, 30s, Seed);
  Recorder R;
  S.acquire(R.callback(), T0); // slot 0
  S.acquire(R.callback(), T0); // slot 1
  S.release(0, false, T0);
  // Round robin would say slot 0 next anyway; make slot 1 free instead.
  S.acquire(R.callback(), T0); // slot 0 again
  S.release(1, false, T0);
  S.acquire(R.callback(), T0);
  REQUIRE(R.Given.size() == 4);
  CHECK(R.Given[3] == std::optional<size_t>(1));
}

TEST_CASE("Scheduler prefers a clearly faster slot", "[Scheduler]") {
  // Slot 2 is twice as fast as the others: it wins whenever it is one of
  // the two candidates.
  Scheduler S(3, 30s, Seed);
  S.setSpeed(0, 500);
  S.setSpeed(1, 500);
  S.setSpeed(2, 1000);
  size_t Chosen[3] = {};
  Recorder R;
  for (int I = 0; I < 3000; ++I) {
    S.acquire(R.callback(), T0);
    ++Chosen[*R.Given.back()];
    S.release(*R.Given.back(), false, T0);
  }
  INFO(Chosen[0] << " " << Chosen[1] << " " << Chosen[2]);
  CHECK(Chosen[2] > 1500);
  CHECK(Chosen[0] > 300);
  CHECK(Chosen[1] > 300);
}

TEST_CASE("Scheduler does not reorder slots of like speed", "[Scheduler]") {
  // Within half again of each other: round robin, as measured noise goes.
  Scheduler S(2, 30s, Seed);
  S.setSpeed(0, 1000);
  S.setSpeed(1, 1400);
  Recorder R;
  for (int I = 0; I < 10; ++I) {
    S.acquire(R.callback(), T0);
    S.release(*R.Given.back(), false, T0);
  }
  for (size_t I = 0; I < R.Given.size(); ++I)
    CHECK(R.Given[I] == std::optional<size_t>(I % 2));
}

TEST_CASE("Scheduler sends no job to a slot busy elsewhere until it offers "
          "itself",
          "[Scheduler]") {
  Scheduler S(2, 30s, Seed);
  Recorder R;
  S.acquire(R.callback(), T0);
  size_t First = *R.Given[0];
  size_t Other = 1 - First;
  // Another server's job has it: the slot refused ours.
  S.refused(First);
  CHECK(S.isBusyElsewhere(First));
  CHECK_FALSE(S.isBusy(First));
  // The refused job asks again, first, and gets the other slot.
  S.acquire(R.callback(), T0, /*First=*/true);
  CHECK(R.Given.back() == std::optional<size_t>(Other));
  // The next waits: a slot busy elsewhere counts as usable, not free.
  S.acquire(R.callback(), T0);
  CHECK(S.waiting() == 1);
  CHECK(R.Given.size() == 2);

  // The slot offers itself: the waiting job takes it.
  CHECK(S.offered(First, T0));
  CHECK(R.Given.back() == std::optional<size_t>(First));
  CHECK(S.isBusy(First));
  CHECK_FALSE(S.isBusyElsewhere(First));

  // An offer with no job waiting is declined, and the slot is free.
  S.release(First, false, T0);
  S.acquire(R.callback(), T0);
  S.refused(*R.Given.back());
  size_t Refusing = *R.Given.back();
  CHECK_FALSE(S.offered(Refusing, T0));
  CHECK_FALSE(S.isBusy(Refusing));
  CHECK_FALSE(S.isBusyElsewhere(Refusing));
}

TEST_CASE("Scheduler puts a refused job ahead of later ones", "[Scheduler]") {
  Scheduler S(1, 30s, Seed);
  std::vector<int> Order;
  S.acquire([&](std::optional<size_t>) { Order.push_back(0); }, T0);
  S.acquire([&](std::optional<size_t>) { Order.push_back(1); }, T0);
  S.refused(0);
  S.acquire([&](std::optional<size_t>) { Order.push_back(2); }, T0,
            /*First=*/true);
  CHECK(S.offered(0, T0));
  CHECK(Order == std::vector<int>{0, 2});
}

TEST_CASE("Scheduler frees a slot whose connection ended while it waited",
          "[Scheduler]") {
  Scheduler S(1, 30s, Seed);
  Recorder R;
  S.acquire(R.callback(), T0);
  S.refused(0);
  S.acquire(R.callback(), T0);
  CHECK(S.waiting() == 1);
  // The waiting job goes to the slot, to connect anew.
  S.lost(0, T0);
  CHECK(R.Given.size() == 2);
  CHECK(R.Given.back() == std::optional<size_t>(0));
}

TEST_CASE("Scheduler queues jobs in arrival order when all slots are busy",
          "[Scheduler]") {
  Scheduler S(1, 30s, Seed);
  std::vector<int> Order;
  S.acquire([&](std::optional<size_t>) { Order.push_back(0); }, T0);
  S.acquire(
      [&](std::optional<size_t> Slot) {
        CHECK(Slot == std::optional<size_t>(0));
        Order.push_back(1);
      },
      T0);
  S.acquire([&](std::optional<size_t>) { Order.push_back(2); }, T0);
  CHECK(S.waiting() == 2);
  CHECK(Order == std::vector<int>{0});

  S.release(0, false, T0);
  CHECK(Order == std::vector<int>{0, 1});
  S.release(0, false, T0);
  CHECK(Order == std::vector<int>{0, 1, 2});
  CHECK(S.waiting() == 0);
}

TEST_CASE("Scheduler backs off a failed slot", "[Scheduler]") {
  Scheduler S(2, 30s, Seed);
  Recorder R;
  S.acquire(R.callback(), T0); // slot 0
  S.release(0, /*Failed=*/true, T0);
  CHECK(S.isBackedOff(0, T0 + 29s));
  CHECK_FALSE(S.isBackedOff(0, T0 + 30s));

  // While slot 0 is backed off, every job goes to slot 1.
  S.acquire(R.callback(), T0 + 1s);
  CHECK(R.Given.back() == std::optional<size_t>(1));
  S.release(1, false, T0 + 1s);
  S.acquire(R.callback(), T0 + 2s);
  CHECK(R.Given.back() == std::optional<size_t>(1));
  S.release(1, false, T0 + 2s);

  // After the backoff, slot 0 takes jobs again.
  S.acquire(R.callback(), T0 + 31s);
  CHECK(R.Given.back() == std::optional<size_t>(0));
}

TEST_CASE("Scheduler sends jobs home at once when every slot is backed off",
          "[Scheduler]") {
  Scheduler S(2, 30s, Seed);
  Recorder R;
  S.acquire(R.callback(), T0);
  S.acquire(R.callback(), T0);
  S.release(0, true, T0);
  S.release(1, true, T0);
  S.acquire(R.callback(), T0 + 1s);
  REQUIRE(R.Given.size() == 3);
  CHECK(R.Given[2] == std::nullopt);
  CHECK(S.waiting() == 0);
}

TEST_CASE("Scheduler releases waiting jobs when the last usable slot fails",
          "[Scheduler]") {
  Scheduler S(2, 30s, Seed);
  Recorder R;
  S.acquire(R.callback(), T0); // slot 0
  S.release(0, true, T0);      // slot 0 backed off
  S.acquire(R.callback(), T0); // slot 1
  S.acquire(R.callback(), T0); // waits for slot 1
  CHECK(S.waiting() == 1);
  S.release(1, true, T0); // slot 1 fails too: nobody is left
  REQUIRE(R.Given.size() == 3);
  CHECK(R.Given[2] == std::nullopt);
  CHECK(S.waiting() == 0);
}

TEST_CASE("Scheduler with a zero backoff retries a failed slot at once",
          "[Scheduler]") {
  Scheduler S(1, 0s, Seed);
  Recorder R;
  S.acquire(R.callback(), T0);
  S.release(0, true, T0);
  S.acquire(R.callback(), T0);
  CHECK(R.Given.back() == std::optional<size_t>(0));
}

TEST_CASE("Scheduler backs off a slot that has no job", "[Scheduler]") {
  Scheduler S(2, 30s, Seed);
  Recorder R;
  S.backOff(1, T0 + 10s, T0);
  // A shorter backoff does not cut a longer one short.
  S.backOff(1, T0 + 5s, T0);
  CHECK(S.isBackedOff(1, T0 + 9s));
  CHECK_FALSE(S.isBackedOff(1, T0 + 10s));
  CHECK_FALSE(S.isBusy(1));

  S.acquire(R.callback(), T0); // slot 0
  S.acquire(R.callback(), T0); // waits for slot 0
  CHECK(S.waiting() == 1);
  // Slot 0, busy, is found down: the waiting job has nowhere to go.
  S.backOff(0, T0 + 30s, T0);
  REQUIRE(R.Given.size() == 2);
  CHECK(R.Given[1] == std::nullopt);
  CHECK(S.waiting() == 0);
}

TEST_CASE("Scheduler grows with a farm: a job waiting gets a new slot",
          "[Scheduler]") {
  Scheduler S(0, 30s, Seed);
  Recorder R;
  // No slot at all: nothing to wait for.
  S.acquire(R.callback(), T0);
  REQUIRE(R.Given == std::vector<std::optional<size_t>>{std::nullopt});
  S.addSlot(T0);
  S.acquire(R.callback(), T0);
  S.acquire(R.callback(), T0);
  CHECK(R.Given.size() == 2);
  CHECK(S.waiting() == 1);
  S.addSlot(T0);
  CHECK(R.Given == std::vector<std::optional<size_t>>{std::nullopt, 0, 1});
  CHECK(S.size() == 2);
}

TEST_CASE("Scheduler gives a retired slot no job until it is reinstated",
          "[Scheduler]") {
  Scheduler S(2, 30s, Seed);
  Recorder R;
  S.acquire(R.callback(), T0);
  CHECK(R.Given.back() == std::optional<size_t>(0));
  // Its job goes on; a failure of it does not bring it back.
  S.retire(0, T0);
  S.release(0, /*Failed=*/true, T0);
  CHECK(S.isBackedOff(0, T0 + std::chrono::hours(24 * 365)));
  S.acquire(R.callback(), T0);
  CHECK(R.Given.back() == std::optional<size_t>(1));
  S.acquire(R.callback(), T0);
  CHECK(S.waiting() == 1);
  // The last usable slot leaves: the waiting job is told at once.
  S.retire(1, T0);
  CHECK(S.waiting() == 0);
  CHECK(R.Given.back() == std::nullopt);
  S.release(1, false, T0);
  S.reinstate(0, T0);
  S.acquire(R.callback(), T0);
  CHECK(R.Given.back() == std::optional<size_t>(0));
}
