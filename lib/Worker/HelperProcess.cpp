//===- Worker/HelperProcess.cpp - A supervisor's process beside the slots -===//

#include "Worker/HelperProcess.h"
#include "Support/Subprocess.h"
#include <cerrno>
#include <csignal>
#include <sys/wait.h>
#include <thread>

using namespace clang::dist;

void HelperProcess::start() {
  Started = std::chrono::steady_clock::now();
  ProcessOptions Child;
  Child.Argv = {Name};
  Child.Run = [this] {
    Log.setComponent(Name);
    return Run();
  };
  Child.KeepFds = KeepFds;
  if (Log.isFile())
    Child.KeepFds.push_back(Log.descriptor());
  ::sigprocmask(SIG_SETMASK, nullptr, &Child.SignalMask);
  Child.ParentDeathSignal = SIGTERM;
  llvm::Expected<pid_t> Started = startProcess(Child);
  if (!Started) {
    Log.log(llvm::toString(Started.takeError()));
    return;
  }
  Pid = *Started;
}

bool HelperProcess::reaped(pid_t Ended) {
  if (Ended != Pid)
    return false;
  Pid = -1;
  Log.log(Name + " ended; restarting it");
  // One that dies right after starting would spin: slow it down.
  if (std::chrono::steady_clock::now() - Started < std::chrono::seconds(1))
    std::this_thread::sleep_for(std::chrono::seconds(1));
  start();
  return true;
}

void HelperProcess::stop() {
  if (Pid <= 0)
    return;
  ::kill(Pid, SIGTERM);
  int Status;
  while (::waitpid(Pid, &Status, 0) < 0 && errno == EINTR)
    ;
  Pid = -1;
}
