//===- LocalServer/LiveStatus.h - What the monitor shows --------*- C++ -*-===//
//
// The jobs in flight with their state, slot and age, the last fallbacks
// (jobs the farm failed) and why, and how many jobs ended lately: what a
// ServerStatus (clang-dist --monitor) reports of the server's jobs, and nothing
// more. It is the live view only; counts kept across servers are the stats'
// business. All calls on the io thread; each costs a map update.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_LIVESTATUS_H
#define CLANG_DIST_LOCALSERVER_LIVESTATUS_H

#include "Protocol/Messages.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include <chrono>
#include <deque>
#include <map>
#include <optional>

namespace clang::dist {

class LiveStatus {
public:
  using Clock = std::chrono::steady_clock;
  using JobState = ServerStatus::JobState;

  /// Job \p Id arrived; it is being prepared.
  void started(uint64_t Id, std::string Source);
  /// The source file, once preparation knows it better than the arguments.
  void rename(uint64_t Id, std::string Source);
  /// \p Slot: the slot it compiles on or whose result is stored.
  void moved(uint64_t Id, JobState State, std::optional<size_t> Slot = {});
  /// The client got its answer, remote or not.
  void finished(uint64_t Id);
  /// The client went away.
  void cancelled(uint64_t Id);
  /// The farm failed a job, which the client compiles, for \p Reason.
  void ranLocally(std::string Source, std::string Reason);

  /// Fills \p S's jobs, fallbacks and throughput; \p SlotName names a slot.
  void fill(ServerStatus &S,
            llvm::function_ref<std::string(size_t)> SlotName) const;

private:
  struct Job {
    std::string Source;
    JobState State = JobState::Preparing;
    std::optional<size_t> Slot;
    Clock::time_point Start;
  };
  /// By id, so oldest first.
  std::map<uint64_t, Job> Jobs;
  std::deque<ServerStatus::Fallback> Fallbacks;
  /// When each job of the last minute ended; older ones go on the next call.
  mutable std::deque<Clock::time_point> Ended;
  uint64_t EndedTotal = 0;
};

/// \p Text cut to ServerStatus::MaxText bytes, keeping its end (a path's file
/// name) after "...".
std::string statusText(std::string Text);

} // namespace clang::dist

#endif
