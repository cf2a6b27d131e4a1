//===- Support/Subprocess.cpp - Starting processes, one policy ------------===//

#include "Support/Subprocess.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ErrorHandling.h"
#include <cassert>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace clang::dist;

namespace {

/// The step of the child's set-up that failed, with its errno: what a child
/// that cannot start writes to the parent. Nothing arrives once it runs.
enum class Step : int { Session, Fork, ParentDeath, Descriptors, Exec };

struct ChildFailure {
  Step What;
  int Errno;
};

/// Everything the child needs, made ready by the parent: after a vfork, or
/// the fork of a multi-threaded parent, the child may not allocate.
struct ChildPlan {
  const ProcessOptions &Options;
  std::vector<char *> Argv;
  char **Envp = environ;
  std::vector<char *> EnvStorage;
  /// The sources of descriptors 0-2; -1 leaves one as inherited.
  int Stdio[3] = {-1, -1, -1};
  /// Descriptors that survive the closing (KeepFds and the report pipe),
  /// sorted.
  std::vector<int> Survivors;
  /// IgnoredSignals, as a set the child can test.
  sigset_t Ignored;
  int ReportFd = -1;
  pid_t Parent = 0;
  /// No descriptor is above this, for kernels without close_range (< 5.9).
  unsigned MaxFds = 0;
};

[[noreturn]] void fail(const ChildPlan &Plan, Step What) {
  ChildFailure Failure{What, errno};
  (void)!::write(Plan.ReportFd, &Failure, sizeof(Failure));
  ::_exit(127);
}

void closeBetween(unsigned First, unsigned Last, const ChildPlan &Plan) {
  if (First > Last || ::close_range(First, Last, 0) == 0)
    return;
  for (unsigned Fd = First; Fd <= Last && Fd < Plan.MaxFds; ++Fd)
    ::close(static_cast<int>(Fd));
}

/// Runs in the child with every signal blocked (no handler of the parent's
/// may run here: after a vfork it would write the parent's memory).
[[noreturn]] void runChild(const ChildPlan &Plan) {
  const ProcessOptions &Options = Plan.Options;
  if (!Options.Run) {
    for (int Signal = 1; Signal < NSIG; ++Signal) {
      struct sigaction Old;
      // Signals the C library keeps to itself cannot be queried.
      if (::sigaction(Signal, nullptr, &Old) != 0)
        continue;
      struct sigaction New = {};
      if (sigismember(&Plan.Ignored, Signal) == 1)
        New.sa_handler = SIG_IGN;
      else if (Old.sa_handler == SIG_IGN && !Options.ResetIgnoredSignals)
        continue;
      else if (Old.sa_handler == SIG_DFL)
        continue;
      else
        New.sa_handler = SIG_DFL;
      ::sigaction(Signal, &New, nullptr);
    }
  }

  if (Options.Detach) {
    if (::setsid() < 0)
      fail(Plan, Step::Session);
    pid_t Daemon = ::fork();
    if (Daemon < 0)
      fail(Plan, Step::Fork);
    if (Daemon > 0)
      ::_exit(0);
  }
  if (Options.ParentDeathSignal) {
    if (::prctl(PR_SET_PDEATHSIG, Options.ParentDeathSignal) != 0)
      fail(Plan, Step::ParentDeath);
    // The parent may have died before the signal was armed.
    if (::getppid() != Plan.Parent)
      ::_exit(1);
  }

  // A source below 3 may be another's target: move those out of the way.
  int Source[3];
  for (int Fd = 0; Fd != 3; ++Fd) {
    Source[Fd] = Plan.Stdio[Fd];
    if (Source[Fd] >= 0 && Source[Fd] < 3 && Source[Fd] != Fd &&
        (Source[Fd] = ::fcntl(Source[Fd], F_DUPFD_CLOEXEC, 3)) < 0)
      fail(Plan, Step::Descriptors);
  }
  for (int Fd = 0; Fd != 3; ++Fd) {
    if (Source[Fd] < 0)
      continue;
    // dup2 onto itself would leave close-on-exec set.
    if (Source[Fd] == Fd ? ::fcntl(Fd, F_SETFD, 0) != 0
                         : ::dup2(Source[Fd], Fd) < 0)
      fail(Plan, Step::Descriptors);
  }
  for (int Fd : Options.KeepFds)
    if (Fd >= 3 && ::fcntl(Fd, F_SETFD, 0) != 0 && errno != EBADF)
      fail(Plan, Step::Descriptors);
  unsigned First = 3;
  for (int Fd : Plan.Survivors) {
    closeBetween(First, static_cast<unsigned>(Fd) - 1, Plan);
    First = static_cast<unsigned>(Fd) + 1;
  }
  closeBetween(First, UINT_MAX, Plan);

  ::sigprocmask(SIG_SETMASK, &Options.SignalMask, nullptr);
  if (Options.Run) {
    ::close(Plan.ReportFd);
    ::_exit(Options.Run());
  }
  ::execve(Plan.Argv[0], Plan.Argv.data(), Plan.Envp);
  fail(Plan, Step::Exec);
}

llvm::Error startError(const ProcessOptions &Options, llvm::StringRef What,
                       int Errno) {
  llvm::StringRef Name =
      Options.Argv.empty() ? llvm::StringRef("?") : Options.Argv[0];
  return llvm::createStringError(
      std::error_code(Errno, std::generic_category()), "cannot %s '%s': %s%s",
      What.empty() ? "run" : "start", Name.str().c_str(), What.str().c_str(),
      std::strerror(Errno));
}

llvm::StringRef describe(Step What) {
  switch (What) {
  case Step::Session:
    return "cannot start a session: ";
  case Step::Fork:
    return "cannot fork: ";
  case Step::ParentDeath:
    return "cannot set the parent-death signal: ";
  case Step::Descriptors:
    return "cannot set up its descriptors: ";
  case Step::Exec:
    return "";
  }
  llvm_unreachable("a step of the child's set-up");
}

void readFully(int Fd, char *Data, size_t Size, size_t &Read) {
  Read = 0;
  while (Read < Size) {
    ssize_t N = ::read(Fd, Data + Read, Size - Read);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return;
    Read += static_cast<size_t>(N);
  }
}

} // namespace

llvm::Expected<pid_t> clang::dist::startProcess(const ProcessOptions &Options) {
  assert(!Options.Argv.empty() && "a child needs a name");
  assert(!(Options.Detach && Options.ParentDeathSignal) &&
         "a detached child has no parent to die with");
  ChildPlan Plan{Options};
  if (!Options.Run) {
    for (const std::string &Arg : Options.Argv)
      Plan.Argv.push_back(const_cast<char *>(Arg.c_str()));
    Plan.Argv.push_back(nullptr);
  }
  if (!Options.UnsetEnvironment.empty()) {
    for (char **Var = environ; *Var; ++Var) {
      llvm::StringRef Name = llvm::StringRef(*Var).split('=').first;
      if (!llvm::is_contained(Options.UnsetEnvironment, Name))
        Plan.EnvStorage.push_back(*Var);
    }
    Plan.EnvStorage.push_back(nullptr);
    Plan.Envp = Plan.EnvStorage.data();
  }
  sigemptyset(&Plan.Ignored);
  for (int Signal : Options.IgnoredSignals)
    sigaddset(&Plan.Ignored, Signal);
  Plan.Parent = ::getpid();
  rlimit Limit;
  Plan.MaxFds = ::getrlimit(RLIMIT_NOFILE, &Limit) == 0 &&
                        Limit.rlim_cur < static_cast<rlim_t>(INT_MAX)
                    ? static_cast<unsigned>(Limit.rlim_cur)
                    : 65536;

  int Null = -1;
  const ChildStdio *Stdio[3] = {&Options.Stdin, &Options.Stdout,
                                &Options.Stderr};
  for (int Fd = 0; Fd != 3; ++Fd) {
    if (Stdio[Fd]->Kind == ChildStdio::Descriptor)
      Plan.Stdio[Fd] = Stdio[Fd]->Fd;
    else if (Stdio[Fd]->Kind == ChildStdio::Null) {
      if (Null < 0 && (Null = ::open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
        return startError(Options, "cannot open /dev/null: ", errno);
      Plan.Stdio[Fd] = Null;
    }
  }
  int Report[2];
  if (::pipe2(Report, O_CLOEXEC) != 0) {
    int Err = errno;
    if (Null >= 0)
      ::close(Null);
    return startError(Options, "cannot create a pipe: ", Err);
  }
  Plan.ReportFd = Report[1];
  Plan.Survivors = Options.KeepFds;
  Plan.Survivors.push_back(Report[1]);
  llvm::erase_if(Plan.Survivors, [](int Fd) { return Fd < 3; });
  llvm::sort(Plan.Survivors);

  // Blocked until the child has reset the dispositions: a handler of the
  // parent's must not run in the child.
  sigset_t All, Old;
  sigfillset(&All);
  ::pthread_sigmask(SIG_SETMASK, &All, &Old);
  // vfork suspends only this thread and copies nothing; a second fork or a
  // function of the parent's needs a copy of its own.
  pid_t Pid = Options.Run || Options.Detach ? ::fork() : ::vfork();
  if (Pid == 0)
    runChild(Plan);
  int ForkErrno = errno;
  ::pthread_sigmask(SIG_SETMASK, &Old, nullptr);
  ::close(Report[1]);
  if (Null >= 0)
    ::close(Null);
  if (Pid < 0) {
    ::close(Report[0]);
    return startError(Options, "cannot fork: ", ForkErrno);
  }

  // The report pipe closes when the program runs (close-on-exec), or the
  // child's Run starts, or the child exits.
  ChildFailure Failure;
  size_t Read;
  readFully(Report[0], reinterpret_cast<char *>(&Failure), sizeof(Failure),
            Read);
  ::close(Report[0]);
  if (Options.Detach || Read == sizeof(Failure)) {
    int Status;
    while (::waitpid(Pid, &Status, 0) < 0 && errno == EINTR)
      ;
  }
  if (Read == sizeof(Failure))
    return startError(Options, describe(Failure.What), Failure.Errno);
  return Options.Detach ? 0 : Pid;
}

llvm::Expected<ProcessExit> clang::dist::waitProcess(pid_t Pid) {
  int Status;
  while (::waitpid(Pid, &Status, 0) < 0)
    if (errno != EINTR)
      return llvm::createStringError(
          std::error_code(errno, std::generic_category()),
          "cannot wait for process %d: %s", static_cast<int>(Pid),
          std::strerror(errno));
  ProcessExit Exit;
  if (WIFSIGNALED(Status))
    Exit.Signal = WTERMSIG(Status);
  else
    Exit.Code = WEXITSTATUS(Status);
  return Exit;
}
