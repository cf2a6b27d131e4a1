//===- LocalServer/SlotPool.cpp - The farm's slots for a server -----------===//

#include "LocalServer/SlotPool.h"
#include "LocalServer/LiveStatus.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include <ctime>
#include <random>

using namespace clang::dist;
using Clock = std::chrono::steady_clock;

SlotPool::SlotPool(boost::asio::io_context &IO, const DistConfig &Config,
                   Farm TheFarm, SlotQuestions *Questions, Logger &Log,
                   Stats &Counters)
    : Config(Config), Log(Log), Counters(Counters),
      BackoffsPath(std::move(TheFarm.BackoffsPath)),
      Secret(std::move(TheFarm.Secret)),
      OwnWorker(TheFarm.Mode == DistributionMode::LocalFiles),
      FromRegistry(Config.Farm.has_value()),
      Slots(TheFarm.Slots.size(), Config.SlotBackoff, std::random_device()()),
      LastFailure(TheFarm.Slots.size()), Retired(TheFarm.Slots.size()), IO(IO),
      Questions(Questions) {
  if (Secret && !OwnWorker)
    Tls = TlsContext::create(SharedSecret::Role::Server, *Secret);
  for (const SlotAddress &E : TheFarm.Slots)
    addClient(E);
  if (!BackoffsPath.empty())
    restoreBackoffs();
}

void SlotPool::addClient(const SlotAddress &Address) {
  size_t Slot = Clients.size();
  Clients.push_back(std::make_unique<SlotClient>(IO, Address, Config, Secret,
                                                 Tls.get(), Questions));
  Clients.back()->onOffer([this, Slot] { offered(Slot); },
                          [this, Slot] { Slots.lost(Slot, Clock::now()); });
}

void SlotPool::acquire(Scheduler::ReadyFn Ready, bool First) {
  probe();
  // As the workers last told them: a slot not connected yet is the slowest.
  for (size_t Slot = 0; Slot != Clients.size(); ++Slot)
    Slots.setSpeed(Slot, Clients[Slot]->speed());
  Slots.acquire(std::move(Ready), Clock::now(), First);
}

void SlotPool::refused(size_t Slot) {
  Counters.add(statkeys::slot(statsName(Slot), "busy_refusals"));
  Slots.refused(Slot);
}

void SlotPool::offered(size_t Slot) {
  Slots.offered(Slot, Clock::now());
  // No job took it: none waits, or the one that did was cancelled.
  if (Clients[Slot]->offered())
    Clients[Slot]->decline();
}

void SlotPool::release(size_t Slot) {
  Slots.release(Slot, /*Failed=*/false, Clock::now());
}

void SlotPool::releaseFailed(size_t Slot, const std::string &Why) {
  Slots.release(Slot, /*Failed=*/true, Clock::now());
  remember(Slot, Why);
}

void SlotPool::countFailure(size_t Slot, SlotFailure::Kind Kind) {
  Counters.add(statkeys::slot(
      statsName(Slot),
      ("failed_" + fallbackCauseName(fallbackCause(Kind))).str()));
}

std::vector<size_t> SlotPool::join(llvm::ArrayRef<SlotAddress> Addresses) {
  std::vector<size_t> Joined;
  auto Now = Clock::now();
  for (const SlotAddress &Address : Addresses) {
    auto Same = llvm::find_if(
        Clients, [&](const auto &C) { return C->endpoint() == Address; });
    size_t Slot = Same - Clients.begin();
    if (Same == Clients.end()) {
      addClient(Address);
      LastFailure.emplace_back();
      Retired.push_back(false);
      // An earlier server of the config may have backed it off.
      Scheduler::Clock::time_point Until{};
      int64_t Left = 0;
      for (const BackoffEntry &B : Backoffs)
        if (B.Slot == Address.str() && B.Until > std::time(nullptr)) {
          Left = B.Until - std::time(nullptr);
          Until = Now + std::chrono::seconds(Left);
          LastFailure.back() = B.Reason;
        }
      if (Left)
        Log.log(llvm::formatv("slot {0} backed off for {1}s more: an earlier "
                              "server found: {2}",
                              Address.str(), Left, LastFailure.back()));
      Slots.addSlot(Now, Until);
    } else if (Retired[Slot]) {
      Retired[Slot] = false;
      --RetiredCount;
      Slots.reinstate(Slot, Now);
    } else {
      // Already had (a config's worker line names it too): not the farm's
      // to retire.
      continue;
    }
    Joined.push_back(Slot);
  }
  return Joined;
}

void SlotPool::retire(size_t Slot) {
  if (Retired[Slot])
    return;
  Retired[Slot] = true;
  ++RetiredCount;
  Slots.retire(Slot, Clock::now());
}

std::string SlotPool::backedOff() const {
  return llvm::formatv(" (backed off for {0}s)", Config.SlotBackoff.count());
}

ServerStatus::Slot SlotPool::describe(size_t Slot) const {
  ServerStatus::Slot Out;
  Out.Name = statusText(name(Slot));
  auto Now = Clock::now();
  // A slot busy with another server's job is busy to the monitor too.
  if (Slots.isBusy(Slot) || Slots.isBusyElsewhere(Slot)) {
    Out.State = ServerStatus::SlotState::Busy;
  } else if (Slots.isBackedOff(Slot, Now)) {
    Out.State = ServerStatus::SlotState::BackedOff;
    Out.BackedOffMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                          Slots.backedOffUntil(Slot) - Now)
                          .count();
    Out.Why = statusText(LastFailure[Slot]);
  } else if (Clients[Slot]->connecting()) {
    Out.State = ServerStatus::SlotState::Connecting;
  }
  return Out;
}

std::pair<uint64_t, uint64_t> SlotPool::traffic() const {
  std::pair<uint64_t, uint64_t> Total;
  for (const std::unique_ptr<SlotClient> &C : Clients) {
    Total.first += C->bytesSent();
    Total.second += C->bytesReceived();
  }
  return Total;
}

void SlotPool::probe() {
  auto Now = Clock::now();
  for (size_t Slot = 0; Slot != Clients.size(); ++Slot) {
    if (Slots.isBusy(Slot) || Slots.isBackedOff(Slot, Now))
      continue;
    Clients[Slot]->probe([this, Slot](llvm::Expected<RemoteResult> Result) {
      std::string Message;
      llvm::handleAllErrors(Result.takeError(), [&](const SlotFailure &F) {
        Message = F.message();
        countFailure(Slot, F.kind());
      });
      Log.log("slot " + name(Slot) + " failed: " + Message + backedOff());
      auto Now = Clock::now();
      Slots.backOff(Slot, Now + Config.SlotBackoff, Now);
      remember(Slot, Message);
    });
  }
}

void SlotPool::restoreBackoffs() {
  auto Buffer = llvm::MemoryBuffer::getFile(BackoffsPath);
  if (!Buffer) {
    if (Buffer.getError() != std::errc::no_such_file_or_directory)
      Log.log("cannot read '" + BackoffsPath +
              "': " + Buffer.getError().message());
    return;
  }
  llvm::Expected<std::vector<BackoffEntry>> Read =
      parseSlotBackoffs((*Buffer)->getBuffer());
  if (!Read)
    return Log.log("ignoring '" + BackoffsPath +
                   "': " + llvm::toString(Read.takeError()));
  int64_t Now = std::time(nullptr);
  auto SteadyNow = Clock::now();
  for (BackoffEntry &B : *Read) {
    // The file may come from a config with a longer backoff, or from before
    // the clock was set back.
    int64_t Left = std::min<int64_t>(B.Until - Now, Config.SlotBackoff.count());
    if (Left <= 0)
      continue;
    bool Listed = false;
    for (size_t Slot = 0; Slot != Clients.size(); ++Slot)
      if (name(Slot) == B.Slot) {
        Slots.backOff(Slot, SteadyNow + std::chrono::seconds(Left), SteadyNow);
        LastFailure[Slot] = B.Reason;
        Listed = true;
      }
    B.Until = Now + Left;
    // A farm's slot may join later (join()).
    if (!Listed && FromRegistry)
      Backoffs.push_back(std::move(B));
    if (!Listed)
      continue;
    Log.log(llvm::formatv("slot {0} backed off for {1}s more: an earlier "
                          "server found: {2}",
                          B.Slot, Left, B.Reason));
    Backoffs.push_back(std::move(B));
  }
}

void SlotPool::remember(size_t Slot, const std::string &Why) {
  LastFailure[Slot] = Why;
  if (BackoffsPath.empty() || Config.SlotBackoff.count() == 0)
    return;
  int64_t Now = std::time(nullptr);
  std::string Name = name(Slot);
  llvm::erase_if(Backoffs, [&](const BackoffEntry &B) {
    return B.Until <= Now || B.Slot == Name;
  });
  Backoffs.push_back({std::move(Name), Now + Config.SlotBackoff.count(), Why});
  if (llvm::Error E = writeSlotBackoffs(BackoffsPath, Backoffs))
    Log.log("cannot write '" + BackoffsPath +
            "': " + llvm::toString(std::move(E)));
}
