//===- LocalServer/LocalWorker.cpp - The worker on this machine -----------===//

#include "LocalServer/LocalWorker.h"
#include "Config/ProgramPlaces.h"
#include "Support/Subprocess.h"
#include "llvm/ADT/StringExtras.h"
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

using namespace clang::dist;

namespace {
constexpr int StartTimeoutMs = 20000;
}

llvm::Expected<std::unique_ptr<LocalWorker>>
LocalWorker::start(llvm::ArrayRef<std::string> Places, unsigned Slots,
                   llvm::StringRef SecretPath, int LogFd) {
  llvm::Expected<std::string> Executable = findProgram(Places);
  if (!Executable)
    return Executable.takeError();
  int Pipe[2];
  if (::pipe2(Pipe, O_CLOEXEC) != 0)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "cannot create a pipe: %s", std::strerror(errno));
  ProcessOptions Options;
  Options.Argv = {*Executable, "--cores", std::to_string(Slots), "--port", "0",
                  "--bind", "127.0.0.1", "--secret", SecretPath.str(),
                  "--local-files",
                  // The server's log has a line for each job already.
                  "--log-level", "warning"};
  Options.Stdin = ChildStdio::null();
  Options.Stdout = ChildStdio::fd(Pipe[1]);
  Options.Stderr = ChildStdio::fd(LogFd);
  Options.ParentDeathSignal = SIGTERM;
  // Nothing else of the server's: its listening socket, inherited, would
  // outlive a server that dies and queue (then reset) its clients' retries.
  llvm::Expected<pid_t> Pid = startProcess(Options);
  ::close(Pipe[1]);
  if (!Pid) {
    ::close(Pipe[0]);
    return Pid.takeError();
  }
  const std::string &Exe = Options.Argv[0];
  std::unique_ptr<LocalWorker> Result(new LocalWorker(*Pid));

  std::string Output;
  auto Fail = [&](llvm::StringRef Why) {
    ::close(Pipe[0]);
    return llvm::createStringError(std::make_error_code(std::errc::io_error),
                                   "cannot start '%s': %s", Exe.c_str(),
                                   Why.str().c_str());
  };
  while (Result->Endpoints.size() < Slots) {
    pollfd P{Pipe[0], POLLIN, 0};
    int Ready = ::poll(&P, 1, StartTimeoutMs);
    if (Ready == 0)
      return Fail("no answer within 20 seconds");
    if (Ready < 0) {
      if (errno == EINTR)
        continue;
      return Fail(std::strerror(errno));
    }
    char Buffer[512];
    ssize_t N = ::read(Pipe[0], Buffer, sizeof(Buffer));
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return Fail("it exited before listening (see the log)");
    Output.append(Buffer, N);
    size_t Newline;
    while ((Newline = Output.find('\n')) != std::string::npos) {
      llvm::StringRef Line = llvm::StringRef(Output).take_front(Newline);
      llvm::StringRef Port = Line.rsplit(':').second;
      unsigned Value;
      if (!Line.startswith("clang-dist-worker: listening on ") ||
          Port.getAsInteger(10, Value) || Value == 0 || Value > 65535)
        return Fail("unexpected output '" + Line.str() + "'");
      Result->Endpoints.push_back({"127.0.0.1", static_cast<uint16_t>(Value)});
      Output.erase(0, Newline + 1);
    }
  }
  ::close(Pipe[0]);
  return Result;
}

LocalWorker::~LocalWorker() {
  ::kill(Pid, SIGTERM);
  llvm::consumeError(waitProcess(Pid).takeError());
}
