//===- Worker/Supervisor.cpp - clang-dist-worker's parent process ---------===//

#include "Worker/Supervisor.h"
#include "Support/Subprocess.h"
#include "Support/TcpListen.h"
#include "Worker/BlobStore.h"
#include "Worker/MetricsProcess.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include <cerrno>
#include <chrono>
#include <csignal>
#include <optional>
#include <sys/wait.h>
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
    if (!Store) {
      llvm::errs() << "clang-dist-worker: error: "
                   << llvm::toString(Store.takeError()) << "\n";
      return 1;
    }
    Store->trim();
    auto Rows = SharedSlotCounters::create(Options.Slots);
    if (!Rows) {
      llvm::errs() << "clang-dist-worker: error: "
                   << llvm::toString(Rows.takeError()) << "\n";
      return 1;
    }
    Counters.emplace(std::move(*Rows));
    for (unsigned I = 0; I < Options.Slots; ++I) {
      uint16_t Port = Options.FirstPort == 0 ? 0 : Options.FirstPort + I;
      SlotProcess S;
      llvm::Expected<int> Fd = listenTcp(Options.BindAddress, Port, S.Port);
      if (!Fd) {
        llvm::errs() << "clang-dist-worker: error: "
                     << llvm::toString(Fd.takeError()) << "\n";
        return 1;
      }
      S.ListenFd = *Fd;
      Slots.push_back(S);
    }
    uint16_t MetricsPort = 0;
    if (!Options.MetricsAddress.empty()) {
      llvm::Expected<int> Fd =
          listenTcp(Options.MetricsAddress, Options.MetricsPort, MetricsPort);
      if (!Fd) {
        llvm::errs() << "clang-dist-worker: error: metrics: "
                     << llvm::toString(Fd.takeError()) << "\n";
        return 1;
      }
      Metrics.emplace(*Fd, *Counters, Options.EachSlot, Log);
    }

    // Signals are taken synchronously with sigwaitinfo; children unblock them.
    sigset_t Set;
    sigemptyset(&Set);
    for (int Sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP})
      sigaddset(&Set, Sig);
    sigprocmask(SIG_BLOCK, &Set, nullptr);

    std::string Ready;
    for (SlotProcess &S : Slots) {
      spawn(S);
      Ready += llvm::formatv("clang-dist-worker: listening on {0}:{1}\n",
                             Options.BindAddress, S.Port)
                   .str();
    }
    if (Metrics) {
      Metrics->start();
      Ready += llvm::formatv("clang-dist-worker: metrics on {0}:{1}\n",
                             Options.MetricsAddress, MetricsPort)
                   .str();
    }
    (void)!::write(STDOUT_FILENO, Ready.data(), Ready.size());

    while (true) {
      siginfo_t Info;
      int Sig = sigwaitinfo(&Set, &Info);
      if (Sig == SIGCHLD) {
        reap();
        continue;
      }
      if (Sig > 0)
        return shutdown();
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
      Counters->keepOnly(static_cast<unsigned>(&S - Slots.data()));
      SO.Counters = &Counters->row(0);
      Log.setComponent(Name);
      return runSlot(SO, Log);
    };
    // Not the other slots' sockets: a slot that dies must free its port.
    Slot.KeepFds = {S.ListenFd};
    // Blocked until the slot's own handlers are in place (Slot.cpp): a
    // SIGTERM that came first would end it without its summary line.
    ::sigprocmask(SIG_SETMASK, nullptr, &Slot.SignalMask);
    // A slot must not outlive its supervisor.
    Slot.ParentDeathSignal = SIGTERM;
    llvm::Expected<pid_t> Pid = startProcess(Slot);
    if (!Pid) {
      Log.log(llvm::toString(Pid.takeError()));
      return;
    }
    S.Pid = *Pid;
  }

  void reap() {
    int Status;
    pid_t Pid;
    while ((Pid = ::waitpid(-1, &Status, WNOHANG)) > 0) {
      if (Metrics && Metrics->reaped(Pid))
        continue;
      for (SlotProcess &S : Slots) {
        if (S.Pid != Pid)
          continue;
        S.Pid = -1;
        if (WIFSIGNALED(Status))
          Log.log(llvm::formatv("slot on port {0} died of signal {1}; "
                                "restarting it",
                                S.Port, WTERMSIG(Status)));
        // A slot that dies right after starting would spin: slow it down.
        if (std::chrono::steady_clock::now() - S.Started <
            std::chrono::seconds(1))
          std::this_thread::sleep_for(std::chrono::seconds(1));
        Counters->row(static_cast<unsigned>(&S - Slots.data())).restarted();
        spawn(S);
      }
    }
  }

  int shutdown() {
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

  const SupervisorOptions &Options;
  Logger &Log;
  std::vector<SlotProcess> Slots;
  /// Each slot's row, by its index in Slots.
  std::optional<SharedSlotCounters> Counters;
  std::optional<MetricsProcess> Metrics;
};

} // namespace

int clang::dist::runSupervisor(const SupervisorOptions &Options, Logger &Log) {
  Supervisor S(Options, Log);
  return S.run();
}
