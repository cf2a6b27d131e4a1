//===- Driver/LocalCC1.cpp - Running a cc1 job on this machine ------------===//

#include "Driver/LocalCC1.h"
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int clang::dist::runCC1(llvm::SmallVectorImpl<const char *> &Argv) {
  llvm::SmallVector<char *, 256> Args;
  for (const char *A : Argv)
    Args.push_back(const_cast<char *>(A));
  Args.push_back(nullptr);
  pid_t Pid;
  if (int Err = ::posix_spawn(&Pid, Args[0], nullptr, nullptr, Args.data(),
                              environ)) {
    std::fprintf(stderr, "error: cannot run '%s': %s\n", Args[0],
                 std::strerror(Err));
    return 1;
  }
  int Status;
  while (::waitpid(Pid, &Status, 0) < 0)
    if (errno != EINTR)
      return 1;
  // What llvm::CrashRecoveryContext reports for a crash in process.
  if (WIFSIGNALED(Status))
    return 128 + WTERMSIG(Status);
  return WEXITSTATUS(Status);
}
