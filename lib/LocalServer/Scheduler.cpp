//===- LocalServer/Scheduler.cpp - Which slot gets the next job -----------===//

#include "LocalServer/Scheduler.h"
#include <algorithm>
#include <cassert>

using namespace clang::dist;

Scheduler::Scheduler(size_t Slots, Clock::duration Backoff, uint64_t Seed)
    : States(Slots), Backoff(Backoff), Random(Seed) {}

std::optional<size_t> Scheduler::findFree(Clock::time_point Now) {
  Free.clear();
  for (size_t I = 0; I < States.size(); ++I) {
    size_t Slot = (Next + I) % States.size();
    if (!States[Slot].Busy && !States[Slot].Elsewhere &&
        States[Slot].BackedOffUntil <= Now)
      Free.push_back(Slot);
  }
  if (Free.empty())
    return std::nullopt;
  // The first candidate is the next in round robin order, the second one of
  // the others at random.
  size_t Slot = Free.front();
  if (Free.size() > 1) {
    std::uniform_int_distribution<size_t> Other(1, Free.size() - 1);
    size_t Second = Free[Other(Random)];
    uint64_t Fast = States[Second].Speed, Slow = States[Slot].Speed;
    if (Slow != 0 && 2 * Fast >= 3 * Slow)
      Slot = Second;
  }
  Next = Slot + 1;
  States[Slot].Busy = true;
  return Slot;
}

bool Scheduler::anyUsable(Clock::time_point Now) const {
  // A busy slot counts: it may succeed and take the next job. A backed-off
  // slot does not, even while busy with a job started before it failed.
  for (const SlotState &S : States)
    if (S.BackedOffUntil <= Now)
      return true;
  return false;
}

void Scheduler::acquire(ReadyFn Ready, Clock::time_point Now, bool First) {
  if (std::optional<size_t> Slot = findFree(Now))
    return Ready(Slot);
  if (!anyUsable(Now))
    return Ready(std::nullopt);
  if (First)
    Waiting.push_front(std::move(Ready));
  else
    Waiting.push_back(std::move(Ready));
}

void Scheduler::release(size_t Slot, bool Failed, Clock::time_point Now) {
  assert(States[Slot].Busy && "releasing a slot that is not busy");
  States[Slot].Busy = false;
  // A retired slot stays so.
  if (Failed)
    States[Slot].BackedOffUntil =
        std::max(States[Slot].BackedOffUntil, Now + Backoff);
  dispatch(Now);
}

void Scheduler::backOff(size_t Slot, Clock::time_point Until,
                        Clock::time_point Now) {
  States[Slot].BackedOffUntil = std::max(States[Slot].BackedOffUntil, Until);
  // The waiting jobs may have had no other slot left.
  dispatch(Now);
}

void Scheduler::addSlot(Clock::time_point Now,
                        Clock::time_point BackedOffUntil) {
  SlotState S;
  S.BackedOffUntil = BackedOffUntil;
  States.push_back(S);
  dispatch(Now);
}

void Scheduler::retire(size_t Slot, Clock::time_point Now) {
  backOff(Slot, Clock::time_point::max(), Now);
}

void Scheduler::reinstate(size_t Slot, Clock::time_point Now) {
  States[Slot].BackedOffUntil = {};
  dispatch(Now);
}

void Scheduler::refused(size_t Slot) {
  assert(States[Slot].Busy && "a refusal for a slot that is not busy");
  States[Slot].Busy = false;
  States[Slot].Elsewhere = true;
}

bool Scheduler::offered(size_t Slot, Clock::time_point Now) {
  States[Slot].Elsewhere = false;
  if (Waiting.empty() || States[Slot].BackedOffUntil > Now)
    return false;
  States[Slot].Busy = true;
  ReadyFn Ready = std::move(Waiting.front());
  Waiting.pop_front();
  Ready(Slot);
  return true;
}

void Scheduler::lost(size_t Slot, Clock::time_point Now) {
  States[Slot].Elsewhere = false;
  dispatch(Now);
}

void Scheduler::dispatch(Clock::time_point Now) {
  while (!Waiting.empty()) {
    std::optional<size_t> Slot = findFree(Now);
    if (!Slot && anyUsable(Now))
      return;
    ReadyFn Ready = std::move(Waiting.front());
    Waiting.pop_front();
    Ready(Slot);
  }
}
