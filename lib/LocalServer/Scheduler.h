//===- LocalServer/Scheduler.h - Which slot gets a job ----------*- C++ -*-===//
//
// One job per slot at a time; when every slot is busy, jobs wait here in
// arrival order. A free slot is always preferred, and among free slots the
// search starts after the slot chosen last (round robin), so load spreads
// over all workers. A slot that failed is backed off for a while; when every
// slot is backed off, jobs are told at once to run locally instead of
// waiting for a farm that is down.
//
// Pure bookkeeping: no I/O, no clock of its own, one thread (the server's
// io_context), so it is tested without network or time.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_SCHEDULER_H
#define CLANG_DIST_LOCALSERVER_SCHEDULER_H

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

namespace clang::dist {

class Scheduler {
public:
  using Clock = std::chrono::steady_clock;
  /// Called with the slot to use, or std::nullopt when no slot is usable.
  using ReadyFn = std::function<void(std::optional<size_t>)>;

  Scheduler(size_t Slots, Clock::duration Backoff);

  /// Calls \p Ready now if a slot is free (or none is usable), else later
  /// from release().
  void acquire(ReadyFn Ready, Clock::time_point Now);
  /// Ends the job on \p Slot. A failed slot is backed off until Now + Backoff.
  void release(size_t Slot, bool Failed, Clock::time_point Now);
  /// Backs off \p Slot, busy or not, until \p Until at least: a slot found
  /// down without a job (a connection made ahead of one, an earlier server's
  /// word).
  void backOff(size_t Slot, Clock::time_point Until, Clock::time_point Now);

  /// A farm's worker joined: a new slot, numbered size(), free unless
  /// backed off until \p BackedOffUntil.
  void addSlot(Clock::time_point Now, Clock::time_point BackedOffUntil = {});
  /// \p Slot's worker left the farm: it is backed off for good (a job it
  /// has goes on), until reinstate().
  void retire(size_t Slot, Clock::time_point Now);
  /// \p Slot's worker joined again: it is free of any backoff.
  void reinstate(size_t Slot, Clock::time_point Now);
  size_t size() const { return States.size(); }

  size_t waiting() const { return Waiting.size(); }
  bool isBusy(size_t Slot) const { return States[Slot].Busy; }
  bool isBackedOff(size_t Slot, Clock::time_point Now) const {
    return States[Slot].BackedOffUntil > Now;
  }
  Clock::time_point backedOffUntil(size_t Slot) const {
    return States[Slot].BackedOffUntil;
  }

private:
  struct SlotState {
    bool Busy = false;
    Clock::time_point BackedOffUntil{};
  };

  std::optional<size_t> findFree(Clock::time_point Now);
  /// True if some slot will take a job, now or once a busy one is released.
  bool anyUsable(Clock::time_point Now) const;
  void dispatch(Clock::time_point Now);

  std::vector<SlotState> States;
  std::deque<ReadyFn> Waiting;
  Clock::duration Backoff;
  size_t Next = 0;
};

} // namespace clang::dist

#endif
