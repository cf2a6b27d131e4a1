//===- Worker/HelperProcess.h - Beside the slots ----------------*- C++ -*-===//
//
// The metrics process and the registration process: each forked by the
// supervisor after the slots, started again when it dies (as a slot is),
// and stopped with SIGTERM before the slots are. The supervisor keeps one
// thread and runs no code that reads what strangers send or waits on the
// network: that is in these processes.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_HELPERPROCESS_H
#define CLANG_DIST_WORKER_HELPERPROCESS_H

#include "Support/Log.h"
#include <chrono>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace clang::dist {

class HelperProcess {
public:
  /// \p Name: the process's and its log lines' ("clang-dist-worker:metrics").
  /// \p Run is the child's code, given \p KeepFds and the log; it starts with
  /// the caller's signal mask and returns the exit code.
  HelperProcess(std::string Name, std::vector<int> KeepFds,
                std::function<int()> Run, Logger &Log)
      : Name(std::move(Name)), KeepFds(std::move(KeepFds)), Run(std::move(Run)),
        Log(Log) {}

  void start();
  /// The child \p Pid has ended: if it was this process, starts it again
  /// and returns true.
  bool reaped(pid_t Pid);
  /// Stops the process with SIGTERM and waits for it.
  void stop();

private:
  std::string Name;
  std::vector<int> KeepFds;
  std::function<int()> Run;
  Logger &Log;
  pid_t Pid = -1;
  std::chrono::steady_clock::time_point Started;
};

} // namespace clang::dist

#endif
