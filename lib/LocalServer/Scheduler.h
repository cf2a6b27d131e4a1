//===- LocalServer/Scheduler.h - Which slot gets a job ----------*- C++ -*-===//
//
// One job per slot at a time; when every slot is busy, jobs wait here in
// arrival order. A free slot is always preferred. Among free slots, two
// candidates: the next in round robin order (so that load spreads over all
// workers) and one of the others at random; the second wins if it is
// clearly faster, by half again the speed its worker measured (power of two
// choices weighted by speed: many servers do not all pick the one fastest
// slot at the same moment, and the noise of the measurement, some tens of
// percent on a loaded machine, does not reorder equal machines). A speed
// not known yet (no handshake) wins and loses nothing. A slot
// that failed is backed off for a while; when every slot is backed off, jobs
// are told at once to run locally instead of waiting for a farm that is down.
//
// The slot is the authority on itself: one that refused a job because
// another server's job has it (SlotBusy) is busy elsewhere, chosen by no job
// until it offers itself; then the first waiting job takes it, or, with
// none waiting, it is free again.
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
#include <random>
#include <vector>

namespace clang::dist {

class Scheduler {
public:
  using Clock = std::chrono::steady_clock;
  /// Called with the slot to use, or std::nullopt when no slot is usable.
  using ReadyFn = std::function<void(std::optional<size_t>)>;

  /// \p Seed draws the choices among free slots.
  Scheduler(size_t Slots, Clock::duration Backoff, uint64_t Seed);

  /// Calls \p Ready now if a slot is free (or none is usable), else later
  /// from release() or offered(). A job a busy slot refused waits \p First,
  /// ahead of those that came after it.
  void acquire(ReadyFn Ready, Clock::time_point Now, bool First = false);
  /// Ends the job on \p Slot. A failed slot is backed off until Now + Backoff.
  void release(size_t Slot, bool Failed, Clock::time_point Now);
  /// Backs off \p Slot, busy or not, until \p Until at least: a slot found
  /// down without a job (a connection made ahead of one, an earlier server's
  /// word).
  void backOff(size_t Slot, Clock::time_point Until, Clock::time_point Now);
  /// The job on \p Slot was refused: the slot is busy elsewhere until it
  /// offers itself or its connection ends.
  void refused(size_t Slot);
  /// \p Slot offered itself: true if the first waiting job took it (its
  /// ReadyFn was called); false if none waits, and the slot is free.
  bool offered(size_t Slot, Clock::time_point Now);
  /// The connection to \p Slot ended while it was busy elsewhere: it is
  /// free again, for a job to connect anew.
  void lost(size_t Slot, Clock::time_point Now);
  /// The speed \p Slot's worker told (HelloReply::Speed).
  void setSpeed(size_t Slot, uint32_t Speed) { States[Slot].Speed = Speed; }

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
  bool isBusyElsewhere(size_t Slot) const { return States[Slot].Elsewhere; }
  bool isBackedOff(size_t Slot, Clock::time_point Now) const {
    return States[Slot].BackedOffUntil > Now;
  }
  Clock::time_point backedOffUntil(size_t Slot) const {
    return States[Slot].BackedOffUntil;
  }

private:
  struct SlotState {
    bool Busy = false;
    /// Refused a job of ours; waits to offer itself.
    bool Elsewhere = false;
    uint32_t Speed = 0;
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
  std::mt19937_64 Random;
  /// findFree's candidates, kept to spare an allocation per job.
  std::vector<size_t> Free;
};

} // namespace clang::dist

#endif
