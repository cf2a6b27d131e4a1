//===- LocalServer/LiveStatus.cpp - What the monitor shows ----------------===//

#include "LocalServer/LiveStatus.h"
#include <ctime>

using namespace clang::dist;

namespace {
/// The monitor shows this many; the message allows a few more.
constexpr size_t RecentFallbacks = 20;
static_assert(RecentFallbacks <= ServerStatus::MaxFallbacks);
constexpr std::chrono::minutes ThroughputWindow(1);
} // namespace

std::string clang::dist::statusText(std::string Text) {
  if (Text.size() <= ServerStatus::MaxText)
    return Text;
  return "..." + Text.substr(Text.size() - (ServerStatus::MaxText - 3));
}

void LiveStatus::started(uint64_t Id, std::string Source) {
  Jobs[Id] = Job{std::move(Source), JobState::Preparing, {}, Clock::now()};
}

void LiveStatus::rename(uint64_t Id, std::string Source) {
  if (auto It = Jobs.find(Id); It != Jobs.end())
    It->second.Source = std::move(Source);
}

void LiveStatus::moved(uint64_t Id, JobState State,
                       std::optional<size_t> Slot) {
  if (auto It = Jobs.find(Id); It != Jobs.end()) {
    It->second.State = State;
    It->second.Slot = Slot;
  }
}

void LiveStatus::finished(uint64_t Id) {
  if (!Jobs.erase(Id))
    return;
  auto Now = Clock::now();
  Ended.push_back(Now);
  ++EndedTotal;
  while (Ended.front() < Now - ThroughputWindow)
    Ended.pop_front();
}

void LiveStatus::cancelled(uint64_t Id) { Jobs.erase(Id); }

void LiveStatus::ranLocally(std::string Source, std::string Reason) {
  if (Fallbacks.size() == RecentFallbacks)
    Fallbacks.pop_front();
  Fallbacks.push_back({static_cast<int64_t>(std::time(nullptr)),
                       statusText(std::move(Source)),
                       statusText(std::move(Reason))});
}

void LiveStatus::fill(ServerStatus &S,
                      llvm::function_ref<std::string(size_t)> SlotName) const {
  auto Now = Clock::now();
  S.JobsInFlight = static_cast<uint32_t>(Jobs.size());
  for (const auto &[Id, J] : Jobs) {
    if (S.Jobs.size() == ServerStatus::MaxJobs)
      break;
    ServerStatus::Job Out;
    Out.Source = statusText(J.Source);
    Out.State = J.State;
    if (J.Slot)
      Out.Slot = statusText(SlotName(*J.Slot));
    Out.ElapsedMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(Now - J.Start)
            .count();
    S.Jobs.push_back(std::move(Out));
  }
  S.Fallbacks.assign(Fallbacks.begin(), Fallbacks.end());
  while (!Ended.empty() && Ended.front() < Now - ThroughputWindow)
    Ended.pop_front();
  S.FinishedLastMinute = static_cast<uint32_t>(Ended.size());
  S.JobsFinished = EndedTotal;
}
