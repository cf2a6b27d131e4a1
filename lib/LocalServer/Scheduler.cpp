//===- LocalServer/Scheduler.cpp - Which slot gets the next job -----------===//

#include "LocalServer/Scheduler.h"
#include <algorithm>
#include <cassert>

using namespace clang::dist;

Scheduler::Scheduler(size_t Slots, Clock::duration Backoff)
    : States(Slots), Backoff(Backoff) {}

std::optional<size_t> Scheduler::findFree(Clock::time_point Now) {
  for (size_t I = 0; I < States.size(); ++I) {
    size_t Slot = (Next + I) % States.size();
    if (!States[Slot].Busy && States[Slot].BackedOffUntil <= Now) {
      Next = Slot + 1;
      States[Slot].Busy = true;
      return Slot;
    }
  }
  return std::nullopt;
}

bool Scheduler::anyUsable(Clock::time_point Now) const {
  // A busy slot counts: it may succeed and take the next job. A backed-off
  // slot does not, even while busy with a job started before it failed.
  for (const SlotState &S : States)
    if (S.BackedOffUntil <= Now)
      return true;
  return false;
}

void Scheduler::acquire(ReadyFn Ready, Clock::time_point Now) {
  if (std::optional<size_t> Slot = findFree(Now))
    return Ready(Slot);
  if (!anyUsable(Now))
    return Ready(std::nullopt);
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
  States.push_back({/*Busy=*/false, BackedOffUntil});
  dispatch(Now);
}

void Scheduler::retire(size_t Slot, Clock::time_point Now) {
  backOff(Slot, Clock::time_point::max(), Now);
}

void Scheduler::reinstate(size_t Slot, Clock::time_point Now) {
  States[Slot].BackedOffUntil = {};
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
