//===- LocalServer/SlotPool.h - The farm's slots for a server ---*- C++ -*-===//
//
// What a server keeps of each slot of its farm for as long as it lives: a
// connection kept across jobs (SlotClient), whether a job has it
// (Scheduler), and whether it failed lately. A failed slot is backed off,
// and the backoff written down for the next server of the config
// (SlotBackoffs.h), which would otherwise try the dead slot again at once.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_SLOTPOOL_H
#define CLANG_DIST_LOCALSERVER_SLOTPOOL_H

#include "LocalServer/Farm.h"
#include "LocalServer/Scheduler.h"
#include "LocalServer/SlotBackoffs.h"
#include "LocalServer/SlotClient.h"
#include "LocalServer/Stats.h"
#include "Support/Log.h"

namespace clang::dist {

/// All calls on the io thread.
class SlotPool {
public:
  /// The slots that \p TheFarm's backoffs file says an earlier server backed
  /// off start backed off. \p Questions answers the workers' questions.
  /// Each slot's failures are counted in \p Counters.
  SlotPool(boost::asio::io_context &IO, const DistConfig &Config, Farm TheFarm,
           SlotQuestions *Questions, Logger &Log, Stats &Counters);

  /// Slots ever had, retired ones included: a slot's index never changes.
  size_t size() const { return Clients.size(); }
  /// Slots not retired.
  size_t live() const { return Clients.size() - RetiredCount; }
  /// A farm's worker joined with the slots at \p Addresses: a retired slot
  /// of the same address is reinstated, any other appended. The indices of
  /// those, not of any slot the pool had and used already.
  std::vector<size_t> join(llvm::ArrayRef<SlotAddress> Addresses);
  /// \p Slot's worker left the farm: it gets no new job; one it has goes on
  /// (and fails over if the worker is gone). Its connection, if idle, ends
  /// when the worker closes it.
  void retire(size_t Slot);
  bool isRetired(size_t Slot) const { return Retired[Slot]; }
  /// Calls \p Ready with a free slot, now or when one is released, or with
  /// none when every slot is backed off. Connects to every idle slot that is
  /// neither connected nor backed off meanwhile, all at once: a job that
  /// finds its slot down then finds the others tried already, instead of
  /// trying them one connect timeout after another.
  /// A job a busy slot refused asks again \p First, ahead of later ones.
  void acquire(Scheduler::ReadyFn Ready, bool First = false);
  /// Ends the job on \p Slot.
  void release(size_t Slot);
  /// Ends the job on \p Slot, which failed for \p Why, and backs it off.
  void releaseFailed(size_t Slot, const std::string &Why);
  /// Ends the job on \p Slot, which refused it busy (SlotBusyError): the
  /// slot is busy elsewhere until it offers itself.
  void refused(size_t Slot);
  /// Counts a failure of \p Slot (slot/<name>/failed_<cause>).
  void countFailure(size_t Slot, SlotFailure::Kind Kind);

  SlotClient &client(size_t Slot) { return *Clients[Slot]; }
  /// The slot's address, as logs name it.
  std::string name(size_t Slot) const {
    return Clients[Slot]->endpoint().str();
  }
  /// The slot as the stats name it: its address, but for the server's own
  /// worker, whose ports change with every server: "local-N", N its index,
  /// so that the stats, kept across servers, name it the same each time.
  std::string statsName(size_t Slot) const {
    return OwnWorker ? "local-" + std::to_string(Slot) : name(Slot);
  }
  /// What a log line about a slot that was backed off ends with.
  std::string backedOff() const;
  /// Bytes sent to and received from all slots, for the log.
  std::pair<uint64_t, uint64_t> traffic() const;
  /// The slot's name and state, for the monitor.
  ServerStatus::Slot describe(size_t Slot) const;

private:
  /// A connection for one more slot, told of its offers.
  void addClient(const SlotAddress &Address);
  void probe();
  /// \p Slot offers itself: the first waiting job takes it, or it is
  /// declined.
  void offered(size_t Slot);
  /// Backs off the slots an earlier server backed off, for the time it had
  /// left, at most our own backoff.
  void restoreBackoffs();
  /// Writes \p Slot's backoff down for the next server.
  void remember(size_t Slot, const std::string &Why);

  const DistConfig &Config;
  Logger &Log;
  Stats &Counters;
  std::string BackoffsPath;
  std::optional<SharedSecret> Secret;
  /// The slots are those of the server's own worker (LocalFiles).
  bool OwnWorker;
  /// The config names a farm's registry: its slots join later, and an
  /// earlier server's backoffs of theirs are kept for then.
  bool FromRegistry;
  /// TLS keyed by the farm's secret, for the links that leave the machine;
  /// none for the server's own worker, whose link never does.
  std::unique_ptr<TlsContext> Tls;
  std::vector<std::unique_ptr<SlotClient>> Clients;
  Scheduler Slots;
  /// The backoffs written to BackoffsPath, some perhaps expired.
  std::vector<BackoffEntry> Backoffs;
  /// Why each slot was last backed off, for the monitor.
  std::vector<std::string> LastFailure;
  /// Slots whose farm worker left (retire()).
  std::vector<bool> Retired;
  size_t RetiredCount = 0;
  boost::asio::io_context &IO;
  SlotQuestions *Questions;
};

} // namespace clang::dist

#endif
