//===- Worker/RegistrationProcess.cpp - A worker's farm entry -------------===//

#include "Worker/RegistrationProcess.h"
#include "Protocol/Errors.h"
#include "llvm/Support/FormatVariadic.h"
#include <csignal>
#include <optional>

using namespace clang::dist;

namespace {

class Registration {
public:
  Registration(const RegistrationOptions &Options,
               const SharedSlotCounters &Counters, Logger &Log)
      : Options(Options), Counters(Counters), Log(Log),
        Key(Options.Entry.key()), Name(Options.Registry.str()),
        Connection(Options.Registry, Options.ConnectTimeout,
                   Options.CommandTimeout) {}

  int run() {
    // The supervisor starts it with these blocked, so that none arrives
    // before this waits for them.
    sigset_t Stop;
    sigemptyset(&Stop);
    for (int Sig : {SIGTERM, SIGINT, SIGHUP})
      sigaddset(&Stop, Sig);
    timespec Period = {
        static_cast<time_t>(Options.RenewEvery.count() / 1000),
        static_cast<long>(Options.RenewEvery.count() % 1000 * 1000000)};
    while (true) {
      renew();
      int Sig = ::sigtimedwait(&Stop, nullptr, &Period);
      if (Sig > 0)
        return unregister();
    }
  }

private:
  void renew() {
    FarmEntry Entry = Options.Entry;
    for (unsigned I = 0; I != Counters.size(); ++I)
      Entry.Busy += Counters.row(I).Busy.load(std::memory_order_relaxed);
    std::string Lease = std::to_string(Options.Lease.count());
    llvm::Expected<RedisReply> Reply =
        Connection.command({"SET", Key, formatFarmEntry(Entry), "PX", Lease});
    if (!Reply)
      return failed(llvm::toString(Reply.takeError()));
    if (Reply->Type == RedisReply::Kind::Error)
      return failed("it refuses SET: " + peerText(Reply->Text));
    if (!Registered)
      Log.log(llvm::formatv("registered in {0} as {1} ({2} ms lease)", Name,
                            Key, Options.Lease.count()));
    else if (Down)
      Log.log(llvm::formatv("registered again in {0}", Name));
    Registered = true;
    Down = false;
  }

  int unregister() {
    if (!Registered)
      return 0;
    llvm::Expected<RedisReply> Reply = Connection.command({"DEL", Key});
    if (Reply && Reply->Type != RedisReply::Kind::Error)
      Log.log(llvm::formatv("removed {0} from {1}", Key, Name));
    else
      Log.log(LogLevel::Warning,
              llvm::formatv("cannot remove {0} from {1} ({2}); it expires "
                            "with its lease",
                            Key, Name,
                            Reply ? peerText(Reply->Text)
                                  : llvm::toString(Reply.takeError())));
    return 0;
  }

  void failed(const std::string &Why) {
    Connection.reset();
    if (Down)
      return;
    Down = true;
    Log.log(LogLevel::Warning,
            llvm::formatv("cannot register in {0}: {1}; serving on, and "
                          "trying again every {2} ms",
                          Name, Why, Options.RenewEvery.count()));
  }

  const RegistrationOptions &Options;
  const SharedSlotCounters &Counters;
  Logger &Log;
  const std::string Key;
  const std::string Name;
  RedisConnection Connection;
  bool Registered = false;
  /// Told of, until a renewal succeeds.
  bool Down = false;
};

} // namespace

HelperProcess
clang::dist::registrationProcess(const RegistrationOptions &Options,
                                 SharedSlotCounters &Counters, Logger &Log) {
  return HelperProcess(
      "clang-dist-worker:registry", {},
      [&Options, &Counters, &Log] {
        Counters.makeReadOnly();
        return Registration(Options, Counters, Log).run();
      },
      Log);
}
