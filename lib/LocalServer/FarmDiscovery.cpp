//===- LocalServer/FarmDiscovery.cpp - A farm's workers from its registry -===//

#include "LocalServer/FarmDiscovery.h"
#include "Protocol/Errors.h"
#include "Protocol/Messages.h"
#include "clang/Basic/Version.h"
#include "llvm/Support/FormatVariadic.h"
#include <boost/asio/post.hpp>

using namespace clang::dist;

namespace {

/// SCAN calls per listing at most: SCAN walks every key of the database,
/// the farm's or not, COUNT at a time.
constexpr unsigned MaxScans = 64;
constexpr const char *ScanCount = "1000";
/// Values per MGET: each may be as large as the reply limit allows.
constexpr size_t MgetBatch = 64;
/// A value past this breaks the listing's connection (Redis/Reply.h); up to
/// it, one too large for an entry is that entry's error.
constexpr uint64_t MaxValue = 1u << 20;

/// \p E, unless it is a connection that broke on what Redis sent (a value
/// over the limit, garbage), which sets \p Broken: a Redis that answers.
llvm::Error unlessBroken(llvm::Error E, bool &Broken) {
  return llvm::handleErrors(std::move(E),
                            [&](std::unique_ptr<RedisError> R) -> llvm::Error {
                              if (R->kind() != RedisError::Broken)
                                return llvm::Error(std::move(R));
                              Broken = true;
                              return llvm::Error::success();
                            });
}

/// A worker's key without the prefix, as log lines name it: anyone may have
/// written it.
std::string workerId(llvm::StringRef Key) {
  return peerText(Key.drop_front(FarmKeyPrefix.size()));
}

} // namespace

struct FarmDiscovery::Listing {
  /// Empty if the registry answered.
  std::string Error;
  /// Keys and their values; a key whose value is gone (expired between
  /// SCAN and MGET) or is no string is left out.
  std::map<std::string, std::string> Entries;
  /// Keys whose value is over the reply's limit.
  std::set<std::string> Unreadable;
  bool Truncated = false;
};

FarmDiscovery::FarmDiscovery(boost::asio::io_context &IO,
                             boost::asio::thread_pool &Pool,
                             RedisAddress Registry, SlotPool &Slots,
                             Logger &Log, Stats &Counters, Options Opts)
    : IO(IO), Pool(Pool), Registry(std::move(Registry)),
      Name(this->Registry.str()), Slots(Slots), Log(Log), Counters(Counters),
      Opts(Opts), Timer(IO),
      Connection(this->Registry, Opts.ConnectTimeout, Opts.CommandTimeout,
                 RedisLimits{MaxValue}) {}

void FarmDiscovery::start() {
  boost::asio::post(Pool, [this] {
    Listing L = list();
    boost::asio::post(IO, [this, L = std::move(L)]() mutable {
      apply(std::move(L));
      listLater();
    });
  });
}

void FarmDiscovery::listLater() {
  Timer.expires_after(Opts.Every);
  Timer.async_wait([this](boost::system::error_code EC) {
    if (!EC)
      start();
  });
}

void FarmDiscovery::afterFirstListing(std::function<void()> Then) {
  if (Listed)
    return Then();
  Waiting.push_back(std::move(Then));
}

std::string FarmDiscovery::noSlotsReason() const {
  if (!Listed)
    return "the farm's registry " + Name + " was not listed yet";
  if (Workers.empty() && Down)
    return "the farm's registry " + Name + " does not answer (" + LastError +
           ")";
  std::string Reason = "the farm's registry " + Name + " lists no worker";
  if (!Skewed.empty())
    Reason += llvm::formatv(" this server can use ({0} run another clang "
                            "or protocol)",
                            Skewed.size());
  return Reason;
}

std::optional<std::string> FarmDiscovery::takeNotice() {
  if (Notices.empty())
    return std::nullopt;
  std::string Notice = std::move(Notices.front());
  Notices.pop_front();
  return Notice;
}

FarmDiscovery::Listing FarmDiscovery::list() {
  Listing L;
  auto Run =
      [&](llvm::ArrayRef<llvm::StringRef> Args) -> llvm::Expected<RedisReply> {
    llvm::Expected<RedisReply> Reply = Connection.command(Args);
    if (Reply && Reply->Type == RedisReply::Kind::Error)
      // Its text reaches the log and the clients' warnings.
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "it refuses " + Args[0] + ": " +
                                         peerText(Reply->Text));
    return Reply;
  };
  auto Fail = [&](llvm::Error E) {
    L.Error = llvm::toString(std::move(E));
    return std::move(L);
  };

  std::set<std::string> Keys;
  std::string Cursor = "0";
  std::string Pattern = (FarmKeyPrefix + "*").str();
  for (unsigned Scan = 0;; ++Scan) {
    if (Scan == MaxScans || Keys.size() >= Opts.MaxEntries) {
      L.Truncated = true;
      break;
    }
    llvm::Expected<RedisReply> Reply =
        Run({"SCAN", Cursor, "MATCH", Pattern, "COUNT", ScanCount});
    if (!Reply)
      return Fail(Reply.takeError());
    if (Reply->Type != RedisReply::Kind::Array || Reply->Elements.size() != 2 ||
        Reply->Elements[0].Type != RedisReply::Kind::Bulk ||
        Reply->Elements[1].Type != RedisReply::Kind::Array)
      return Fail(llvm::createStringError(llvm::inconvertibleErrorCode(),
                                          "SCAN's reply is not SCAN's"));
    for (RedisReply &Key : Reply->Elements[1].Elements)
      if (Key.Type == RedisReply::Kind::Bulk && Keys.size() < Opts.MaxEntries)
        Keys.insert(std::move(Key.Text));
    Cursor = std::move(Reply->Elements[0].Text);
    if (Cursor == "0")
      break;
  }

  std::vector<std::string> Ordered(Keys.begin(), Keys.end());
  for (size_t First = 0; First < Ordered.size(); First += MgetBatch) {
    size_t End = std::min(Ordered.size(), First + MgetBatch);
    std::vector<llvm::StringRef> Args = {"MGET"};
    Args.insert(Args.end(), Ordered.begin() + First, Ordered.begin() + End);
    llvm::Expected<RedisReply> Reply = Run(Args);
    if (!Reply) {
      bool Broken = false;
      if (llvm::Error E = unlessBroken(Reply.takeError(), Broken))
        return Fail(std::move(E));
      // A value past the limit ends the connection: one key at a time, the
      // others are read all the same.
      for (size_t I = First; I != End; ++I) {
        llvm::Expected<RedisReply> Value = Run({"GET", Ordered[I]});
        if (!Value) {
          Broken = false;
          if (llvm::Error E = unlessBroken(Value.takeError(), Broken))
            return Fail(std::move(E));
          L.Unreadable.insert(Ordered[I]);
        } else if (Value->Type == RedisReply::Kind::Bulk) {
          L.Entries[Ordered[I]] = std::move(Value->Text);
        }
      }
      continue;
    }
    if (Reply->Type != RedisReply::Kind::Array ||
        Reply->Elements.size() != End - First)
      return Fail(llvm::createStringError(llvm::inconvertibleErrorCode(),
                                          "MGET's reply is not MGET's"));
    for (size_t I = First; I != End; ++I)
      if (RedisReply &Value = Reply->Elements[I - First];
          Value.Type == RedisReply::Kind::Bulk)
        L.Entries[Ordered[I]] = std::move(Value.Text);
  }
  return L;
}

void FarmDiscovery::apply(Listing L) {
  if (!L.Error.empty()) {
    if (!Down)
      Log.log(LogLevel::Warning,
              llvm::formatv("the farm's registry {0} does not answer: {1}; "
                            "keeping the {2} workers known, and trying "
                            "again every {3} ms",
                            Name, L.Error, Workers.size(), Opts.Every.count()));
    Down = true;
    LastError = std::move(L.Error);
  } else {
    if (Down)
      Log.log(llvm::formatv("the farm's registry {0} answers again", Name));
    Down = false;
    if (L.Truncated && !std::exchange(TruncationTold, true))
      Log.log(LogLevel::Warning,
              llvm::formatv("the farm's registry {0} holds too many keys; "
                            "read {1} of them (give the farm a database of "
                            "its own)",
                            Name, L.Entries.size()));
    follow(L);
  }
  if (!std::exchange(Listed, true))
    for (std::function<void()> &Then : std::exchange(Waiting, {}))
      Then();
}

void FarmDiscovery::follow(const Listing &L) {
  std::map<std::string, FarmEntry> Usable;
  std::map<std::string, FarmEntry> NowSkewed;
  for (const std::string &Key : L.Unreadable)
    if (tellOnce(Key, "")) {
      Log.log(LogLevel::Warning,
              llvm::formatv("skipping {0} in the farm's registry: its value "
                            "is over {1} bytes",
                            peerText(Key), MaxValue));
      Counters.add(statkeys::FarmEntriesMalformed);
    }
  for (const auto &[Key, Value] : L.Entries) {
    llvm::Expected<FarmEntry> Entry = parseFarmEntry(Value);
    if (!Entry) {
      std::string Why = llvm::toString(Entry.takeError());
      if (tellOnce(Key, Value)) {
        Log.log(LogLevel::Warning,
                llvm::formatv("skipping {0} in the farm's registry: {1}",
                              peerText(Key), Why));
        Counters.add(statkeys::FarmEntriesMalformed);
      }
      continue;
    }
    if (Entry->ClangVersion != clang::getClangFullVersion() ||
        Entry->Protocol != ProtocolVersion) {
      if (tellOnce(Key, Value)) {
        Log.log(LogLevel::Warning,
                llvm::formatv("skipping farm worker {0}: it runs {1}, "
                              "protocol {2}; this server runs {3}, protocol "
                              "{4}",
                              workerId(Key), Entry->ClangVersion,
                              Entry->Protocol, clang::getClangFullVersion(),
                              ProtocolVersion));
        Counters.add(statkeys::FarmWorkersSkippedVersion);
        NewlySkewed = true;
      }
      NowSkewed.emplace(Key, std::move(*Entry));
      continue;
    }
    Told.erase(Key);
    Usable.emplace(Key, std::move(*Entry));
  }

  for (auto It = Workers.begin(); It != Workers.end();) {
    auto Found = Usable.find(It->first);
    if (Found != Usable.end() &&
        Found->second.Ports == It->second.Entry.Ports &&
        Found->second.Host == It->second.Entry.Host) {
      Usable.erase(Found);
      ++It;
      continue;
    }
    for (size_t Slot : It->second.Slots)
      Slots.retire(Slot);
    Log.log(llvm::formatv("farm worker {0} left: its entry is gone or "
                          "changed",
                          workerId(It->first)));
    Counters.add(statkeys::FarmWorkersLeft);
    It = Workers.erase(It);
  }
  for (auto &[Key, Entry] : Usable) {
    std::vector<SlotAddress> Addresses;
    for (uint16_t Port : Entry.Ports)
      Addresses.push_back({Entry.Host, Port});
    std::vector<size_t> Joined = Slots.join(Addresses);
    Log.log(llvm::formatv("farm worker {0} joined: {1} slots, {2} busy",
                          workerId(Key), Joined.size(), Entry.Busy));
    Counters.add(statkeys::FarmWorkersJoined);
    Workers.emplace(Key, Known{std::move(Entry), std::move(Joined)});
  }

  if (NewlySkewed && !NowSkewed.empty()) {
    const FarmEntry &Some = NowSkewed.begin()->second;
    Notices.push_back(llvm::formatv(
        "part of the farm {0} is skipped: {1} worker{2} run{3} {4} "
        "(protocol {5}), this server runs {6} (protocol {7})",
        Name, NowSkewed.size(), NowSkewed.size() == 1 ? "" : "s",
        NowSkewed.size() == 1 ? "s" : "", Some.ClangVersion, Some.Protocol,
        clang::getClangFullVersion(), ProtocolVersion));
    NewlySkewed = false;
  }
  Skewed = std::move(NowSkewed);
  // Keys gone from the registry are told of again if they come back.
  for (auto It = Told.begin(); It != Told.end();)
    It = L.Entries.count(It->first) || L.Unreadable.count(It->first)
             ? std::next(It)
             : Told.erase(It);
}

bool FarmDiscovery::tellOnce(const std::string &Key, const std::string &Value) {
  auto [It, New] = Told.try_emplace(Key, Value);
  if (!New && It->second == Value)
    return false;
  It->second = Value;
  return true;
}
