//===- Driver/LocalCC1.cpp - Running a cc1 job on this machine ------------===//

#include "Driver/LocalCC1.h"
#include "Support/Subprocess.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <iterator>
#include <sys/wait.h>

namespace {

/// What ends a clang-16 during its in-process cc1 (make sends SIGTERM to its
/// jobs when it is interrupted) must end our cc1 child too, or it writes its
/// object after the build stopped.
constexpr int ForwardedSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

/// The child the handler forwards to; 0 when none may be signalled. Set only
/// while the forwarded signals are blocked.
std::atomic<pid_t> Child{0};
/// The first forwarded signal, which the client dies of once its child is
/// gone, as clang-16 would have died of it.
volatile std::sig_atomic_t Received = 0;

void forwardToChild(int Signal) {
  if (!Received)
    Received = Signal;
  if (pid_t Pid = Child.load())
    ::kill(Pid, Signal);
}

/// The descriptors a command line names (/dev/fd/N, /proc/self/fd/N): a
/// shell's process substitution, `clang -x c <(gen)`, or `-o /dev/fd/3`.
/// clang-16 in process would open them; nothing else of the client's is the
/// cc1's business (make's jobserver pipe, for one, is not).
std::vector<int> namedDescriptors(llvm::ArrayRef<const char *> Argv) {
  std::vector<int> Fds;
  for (llvm::StringRef Arg : Argv)
    for (llvm::StringRef Prefix : {"/dev/fd/", "/proc/self/fd/"}) {
      size_t At = Arg.find(Prefix);
      unsigned Fd;
      if (At != llvm::StringRef::npos &&
          !Arg.substr(At + Prefix.size()).getAsInteger(10, Fd) && Fd <= INT_MAX)
        Fds.push_back(static_cast<int>(Fd));
    }
  return Fds;
}

} // namespace

int clang::dist::runCC1(llvm::SmallVectorImpl<const char *> &Argv) {
  ProcessOptions Options;
  Options.Argv.assign(Argv.begin(), Argv.end());
  Options.KeepFds = namedDescriptors(Argv);
  Options.ParentDeathSignal = SIGTERM;

  // Blocked from before the fork until Child is set, so that no signal finds
  // the handler without a child to forward to.
  sigset_t Forwarded, CallerMask;
  ::sigemptyset(&Forwarded);
  for (int Signal : ForwardedSignals)
    ::sigaddset(&Forwarded, Signal);
  ::sigprocmask(SIG_BLOCK, &Forwarded, &CallerMask);
  struct sigaction Forward = {}, CallerActions[std::size(ForwardedSignals)];
  Forward.sa_handler = forwardToChild;
  Forward.sa_mask = Forwarded;
  for (size_t I = 0; I != std::size(ForwardedSignals); ++I)
    ::sigaction(ForwardedSignals[I], &Forward, &CallerActions[I]);

  // The signal dispositions and mask clang-16 itself would have had: the
  // caller's, not the forwarding ones.
  Options.SignalMask = CallerMask;
  Options.ResetIgnoredSignals = false;
  for (size_t I = 0; I != std::size(ForwardedSignals); ++I)
    if (CallerActions[I].sa_handler == SIG_IGN)
      Options.IgnoredSignals.push_back(ForwardedSignals[I]);
  llvm::Expected<pid_t> Pid = startProcess(Options);
  if (Pid) {
    Child = *Pid;
    ::sigprocmask(SIG_SETMASK, &CallerMask, nullptr);
    // Not reaped yet: until Child is reset the handler may signal this pid,
    // which must not be another process's by then.
    siginfo_t Info;
    while (::waitid(P_PID, *Pid, &Info, WEXITED | WNOWAIT) < 0 &&
           errno == EINTR)
      ;
    ::sigprocmask(SIG_BLOCK, &Forwarded, nullptr);
    Child = 0;
  }
  for (size_t I = 0; I != std::size(ForwardedSignals); ++I)
    ::sigaction(ForwardedSignals[I], &CallerActions[I], nullptr);
  ::sigprocmask(SIG_SETMASK, &CallerMask, nullptr);
  if (!Pid) {
    std::fprintf(stderr, "error: %s\n",
                 llvm::toString(Pid.takeError()).c_str());
    return 1;
  }

  llvm::Expected<ProcessExit> Exit = waitProcess(*Pid);
  if (!Exit) {
    llvm::consumeError(Exit.takeError());
    return 1;
  }
  if (int Signal = Received) {
    // What make sees of a clang-16 that the signal ended.
    ::signal(Signal, SIG_DFL);
    ::raise(Signal);
  }
  // What llvm::CrashRecoveryContext reports for a crash in process.
  if (Exit->Signal)
    return 128 + Exit->Signal;
  return Exit->Code;
}
