//===- Driver/LocalCC1.cpp - Running a cc1 job on this machine ------------===//

#include "Driver/LocalCC1.h"
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

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

/// In the forked child: the signal dispositions and mask clang-16 itself
/// would have had, and death with the client, whatever kills it (SIGKILL
/// cannot be forwarded). SIGTERM lets clang's own handlers remove the
/// temporary output, as they do when a clang-16 is terminated.
[[noreturn]] void execChild(char *const *Args, pid_t Parent,
                            const struct sigaction *CallerActions,
                            const sigset_t &CallerMask) {
  for (size_t I = 0; I != std::size(ForwardedSignals); ++I)
    ::sigaction(ForwardedSignals[I], &CallerActions[I], nullptr);
  // The client may have died before the death signal was armed.
  if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != Parent)
    ::_exit(1);
  ::sigprocmask(SIG_SETMASK, &CallerMask, nullptr);
  ::execve(Args[0], Args, environ);
  std::fprintf(stderr, "error: cannot run '%s': %s\n", Args[0],
               std::strerror(errno));
  ::_exit(1);
}

} // namespace

int clang::dist::runCC1(llvm::SmallVectorImpl<const char *> &Argv) {
  llvm::SmallVector<char *, 256> Args;
  for (const char *A : Argv)
    Args.push_back(const_cast<char *>(A));
  Args.push_back(nullptr);

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

  pid_t Parent = ::getpid();
  pid_t Pid = ::fork();
  if (Pid == 0)
    execChild(Args.data(), Parent, CallerActions, CallerMask);
  if (Pid < 0) {
    std::fprintf(stderr, "error: cannot run '%s': %s\n", Args[0],
                 std::strerror(errno));
  } else {
    Child = Pid;
    ::sigprocmask(SIG_SETMASK, &CallerMask, nullptr);
    // Not reaped yet: until Child is reset the handler may signal this pid,
    // which must not be another process's by then.
    siginfo_t Info;
    while (::waitid(P_PID, Pid, &Info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
      ;
    ::sigprocmask(SIG_BLOCK, &Forwarded, nullptr);
    Child = 0;
  }
  for (size_t I = 0; I != std::size(ForwardedSignals); ++I)
    ::sigaction(ForwardedSignals[I], &CallerActions[I], nullptr);
  ::sigprocmask(SIG_SETMASK, &CallerMask, nullptr);
  if (Pid < 0)
    return 1;

  int Status;
  while (::waitpid(Pid, &Status, 0) < 0)
    if (errno != EINTR)
      return 1;
  if (int Signal = Received) {
    // What make sees of a clang-16 that the signal ended.
    ::signal(Signal, SIG_DFL);
    ::raise(Signal);
  }
  // What llvm::CrashRecoveryContext reports for a crash in process.
  if (WIFSIGNALED(Status))
    return 128 + WTERMSIG(Status);
  return WEXITSTATUS(Status);
}
