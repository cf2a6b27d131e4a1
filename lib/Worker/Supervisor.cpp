//===- Worker/Supervisor.cpp - clang-dist-worker's parent process ---------===//

#include "Worker/Supervisor.h"
#include "Protocol/Messages.h"
#include "Protocol/Version.h"
#include "Support/Subprocess.h"
#include "Support/TcpListen.h"
#include "Worker/BlobStore.h"
#include "Worker/MetricsProcess.h"
#include "Worker/Speed.h"
#include "clang/Basic/Version.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <optional>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <thread>
#include <unistd.h>

using namespace clang::dist;

namespace {

struct SlotProcess {
  int ListenFd = -1;
  uint16_t Port = 0;
  pid_t Pid = -1;
  std::chrono::steady_clock::time_point Started;
};

/// A byte count as --cache-size takes it: "1G", "512M", "1000".
std::string sizeText(uint64_t Bytes) {
  for (auto [Shift, Suffix] : {std::pair(30, "G"), {20, "M"}, {10, "K"}})
    if (Bytes >= (1ull << Shift) && Bytes % (1ull << Shift) == 0)
      return std::to_string(Bytes >> Shift) + Suffix;
  return std::to_string(Bytes);
}

/// How often STATUS tells systemd of the jobs done, when there are new ones.
constexpr timespec StatusPeriod = {5, 0};

class Supervisor {
public:
  Supervisor(const SupervisorOptions &Options, Logger &Log)
      : Options(Options), Log(Log) {}

  int run() {
    // Checked here, so that a cache directory we may not use stops the worker
    // with an error instead of every slot; and recounted, since the worker that
    // used it last may have been killed between a write and its accounting.
    auto Store =
        BlobStore::open(Options.EachSlot.CacheDir, Options.EachSlot.CacheLimit);
    if (!Store)
      return fail(llvm::toString(Store.takeError()));
    Store->trim();
    auto Rows = SharedSlotCounters::create(Options.Slots);
    if (!Rows)
      return fail(llvm::toString(Rows.takeError()));
    Counters.emplace(std::move(*Rows));
    // Before the slots are forked, which inherit it: once per worker. Not
    // for a local server's own worker: it has one server, which has no other
    // slots to weigh it against, and it starts with every build.
    if (!Options.EachSlot.LocalFiles)
      Speed = measureSpeed();
    for (unsigned I = 0; I < Options.Slots; ++I) {
      uint16_t Port = Options.FirstPort == 0 ? 0 : Options.FirstPort + I;
      SlotProcess S;
      llvm::Expected<int> Fd = listenTcp(Options.BindAddress, Port, S.Port);
      if (!Fd)
        return fail(llvm::toString(Fd.takeError()));
      S.ListenFd = *Fd;
      Slots.push_back(S);
    }
    uint16_t MetricsPort = 0;
    if (!Options.MetricsAddress.empty()) {
      llvm::Expected<int> Fd =
          listenTcp(Options.MetricsAddress, Options.MetricsPort, MetricsPort);
      if (!Fd)
        return fail("metrics: " + llvm::toString(Fd.takeError()));
      Metrics.emplace(metricsProcess(*Fd, *Counters, Options.EachSlot, Log));
    }

    // Signals are taken synchronously with sigwaitinfo; children unblock them.
    sigset_t Set;
    sigemptyset(&Set);
    for (int Sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP})
      sigaddset(&Set, Sig);
    sigprocmask(SIG_BLOCK, &Set, nullptr);

    // What the slots write to stderr themselves (a crash's stack trace) goes
    // to the log file with the rest.
    Log.takeStderr();
    std::string Ready;
    for (SlotProcess &S : Slots) {
      spawn(S);
      Ready += llvm::formatv("clang-dist-worker: listening on {0}:{1}\n",
                             Options.BindAddress, S.Port)
                   .str();
    }
    if (Options.Registration) {
      // Once every slot accepts: servers connect as soon as they read it.
      Registering = *Options.Registration;
      for (const SlotProcess &S : Slots)
        Registering->Entry.Ports.push_back(S.Port);
      Registering->Entry.Started = std::time(nullptr);
      Registering->Entry.Speed = Speed;
      Registration.emplace(registrationProcess(*Registering, *Counters, Log));
      Registration->start();
    }
    if (Metrics) {
      Metrics->start();
      Ready += llvm::formatv("clang-dist-worker: metrics on {0}:{1}\n",
                             Options.MetricsAddress, MetricsPort)
                   .str();
    }
    (void)!::write(STDOUT_FILENO, Ready.data(), Ready.size());
    const SlotOptions &Each = Options.EachSlot;
    Log.log(llvm::formatv(
        "started {0}: clang-dist {1}, protocol {2}, {3}; speed {8}; blob "
        "cache {4} (up to {5}); {6}{7}",
        describeSlots(), clangDistVersion(), ProtocolVersion,
        clang::getClangFullVersion(), Each.CacheDir, sizeText(Each.CacheLimit),
        Each.Secret ? "peers must prove the shared secret"
                    : "no secret (loopback only)",
        Each.LocalFiles ? "; jobs may read this machine's files" : "", Speed));
    // Every port accepts connections from here on: the kernel queues them
    // until the slot takes them.
    notify("READY=1\nSTATUS=" + status());

    uint64_t Told = 0;
    while (true) {
      siginfo_t Info;
      int Sig = sigtimedwait(&Set, &Info, &StatusPeriod);
      if (Sig == SIGCHLD) {
        reap();
      } else if (Sig > 0) {
        return shutdown(Sig);
      } else if (uint64_t Sent = resultsSent(); Sent != Told) {
        Told = Sent;
        notify("STATUS=" + status());
      }
    }
  }

private:
  void spawn(SlotProcess &S) {
    S.Started = std::chrono::steady_clock::now();
    std::string Name = llvm::formatv("clang-dist-worker:{0}", S.Port).str();
    ProcessOptions Slot;
    Slot.Argv = {Name};
    // A fork, not a program: the slot is this program's code, and the
    // supervisor has one thread.
    Slot.Run = [this, &S, Name] {
      SlotOptions SO = Options.EachSlot;
      SO.ListenFd = S.ListenFd;
      SO.Speed = Speed;
      Counters->keepOnly(static_cast<unsigned>(&S - Slots.data()));
      SO.Counters = &Counters->row(0);
      Log.setComponent(Name);
      return runSlot(SO, Log);
    };
    // Not the other slots' sockets: a slot that dies must free its port.
    Slot.KeepFds = {S.ListenFd};
    if (Log.isFile())
      Slot.KeepFds.push_back(Log.descriptor());
    // Blocked until the slot's own handlers are in place (Slot.cpp): a
    // SIGTERM that came first would end it without its summary line.
    ::sigprocmask(SIG_SETMASK, nullptr, &Slot.SignalMask);
    // A slot must not outlive its supervisor.
    Slot.ParentDeathSignal = SIGTERM;
    llvm::Expected<pid_t> Pid = startProcess(Slot);
    if (!Pid) {
      Log.log(LogLevel::Error, llvm::toString(Pid.takeError()));
      return;
    }
    S.Pid = *Pid;
  }

  void reap() {
    int Status;
    pid_t Pid;
    while ((Pid = ::waitpid(-1, &Status, WNOHANG)) > 0) {
      if ((Metrics && Metrics->reaped(Pid)) ||
          (Registration && Registration->reaped(Pid)))
        continue;
      for (SlotProcess &S : Slots) {
        if (S.Pid != Pid)
          continue;
        S.Pid = -1;
        ++Restarts;
        if (WIFSIGNALED(Status))
          Log.log(LogLevel::Error,
                  llvm::formatv("slot on port {0} died of signal {1}; "
                                "restarting it",
                                S.Port, WTERMSIG(Status)));
        else
          Log.log(LogLevel::Warning,
                  llvm::formatv("slot on port {0} exited with code {1}; "
                                "restarting it",
                                S.Port, WEXITSTATUS(Status)));
        notify("STATUS=" + status());
        // A slot that dies right after starting would spin: slow it down.
        if (std::chrono::steady_clock::now() - S.Started <
            std::chrono::seconds(1))
          std::this_thread::sleep_for(std::chrono::seconds(1));
        Counters->row(static_cast<unsigned>(&S - Slots.data())).restarted();
        spawn(S);
      }
    }
  }

  int shutdown(int Signal) {
    notify("STOPPING=1");
    Log.log(llvm::formatv("stopping on {0}", strsignal(Signal)));
    // First: servers stop sending jobs that the slots would lose.
    if (Registration)
      Registration->stop();
    if (Metrics)
      Metrics->stop();
    for (const SlotProcess &S : Slots)
      if (S.Pid > 0)
        ::kill(S.Pid, SIGTERM);
    for (SlotProcess &S : Slots) {
      if (S.Pid <= 0)
        continue;
      int Status;
      while (::waitpid(S.Pid, &Status, 0) < 0 && errno == EINTR)
        ;
    }
    return 0;
  }

  /// Startup failed: whoever started the worker is told on stderr, and a
  /// log file says why the worker is not running.
  int fail(const std::string &Message) {
    reportError("clang-dist-worker", Message);
    if (Log.isFile())
      Log.log(LogLevel::Error, Message);
    return 1;
  }

  /// "8 slots on 0.0.0.0:63000-63007", or each port when the system chose
  /// them.
  std::string describeSlots() const {
    std::string Ports = std::to_string(Slots.front().Port);
    bool Consecutive = true;
    for (size_t I = 1; I < Slots.size(); ++I)
      Consecutive &= Slots[I].Port == Slots.front().Port + I;
    if (Slots.size() > 1 && Consecutive)
      Ports += "-" + std::to_string(Slots.back().Port);
    for (size_t I = 1; !Consecutive && I < Slots.size(); ++I)
      Ports += "," + std::to_string(Slots[I].Port);
    return llvm::formatv("{0} slot{1} on {2}:{3}", Slots.size(),
                         Slots.size() == 1 ? "" : "s", Options.BindAddress,
                         Ports);
  }

  /// The jobs whose results the slots sent, compiled or refused.
  uint64_t resultsSent() const {
    uint64_t Sent = 0;
    for (unsigned I = 0; I != Counters->size(); ++I)
      for (const SlotCounters::Counter(&ByOutcome)[NumSlotOutcomes] :
           Counters->row(I).Jobs)
        Sent += ByOutcome[size_t(SlotOutcome::Completed)] +
                ByOutcome[size_t(SlotOutcome::Failed)] +
                ByOutcome[size_t(SlotOutcome::Refused)];
    return Sent;
  }

  /// What `systemctl status` shows.
  std::string status() const {
    uint64_t Sent = resultsSent();
    std::string Text = llvm::formatv("{0}; {1} job{2} done", describeSlots(),
                                     Sent, Sent == 1 ? "" : "s");
    if (Restarts)
      Text += llvm::formatv("; {0} slot restart{1}", Restarts,
                            Restarts == 1 ? "" : "s");
    return Text;
  }

  /// To systemd, when it started us as a Type=notify service (NOTIFY_SOCKET
  /// names its socket); nothing otherwise.
  static void notify(const std::string &State) {
    sd_notify(/*unset_environment=*/0, State.c_str());
  }

  const SupervisorOptions &Options;
  Logger &Log;
  std::vector<SlotProcess> Slots;
  unsigned Restarts = 0;
  /// Each slot's row, by its index in Slots.
  std::optional<SharedSlotCounters> Counters;
  /// Measured once, told by every slot (Speed.h) and the registry.
  uint32_t Speed = 0;
  std::optional<HelperProcess> Metrics;
  /// Options.Registration with the entry's ports and start time.
  std::optional<RegistrationOptions> Registering;
  std::optional<HelperProcess> Registration;
};

} // namespace

int clang::dist::runSupervisor(const SupervisorOptions &Options, Logger &Log) {
  Supervisor S(Options, Log);
  return S.run();
}
