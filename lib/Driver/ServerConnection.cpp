//===- Driver/ServerConnection.cpp - Reach the local server, or start it --===//

#include "Driver/ServerConnection.h"
#include "Config/ProgramPlaces.h"
#include "Support/Subprocess.h"
#include "clang/Basic/Version.h"
#include "llvm/ADT/ScopeExit.h"
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iterator>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

using namespace clang::dist;

namespace {

/// The server answers within this, or the client compiles locally.
constexpr int StartTimeoutMs = 30000;
/// A server that went away has exited within this; a kernel tearing down
/// a process with many descriptors can take a while.
constexpr int ExitTimeoutMs = 5000;

llvm::Error systemError(const llvm::Twine &What) {
  int Err = errno;
  return llvm::createStringError(std::error_code(Err, std::generic_category()),
                                 "%s: %s", What.str().c_str(),
                                 std::strerror(Err));
}

/// std::nullopt when nobody listens, an error for anything else.
llvm::Expected<std::optional<FrameSocket>> tryConnect(const std::string &Path) {
  int Fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (Fd < 0)
    return systemError("cannot create a socket");
  FrameSocket Socket(Fd);
  sockaddr_un Addr{};
  Addr.sun_family = AF_UNIX;
  std::memcpy(Addr.sun_path, Path.c_str(), Path.size() + 1);
  while (::connect(Fd, reinterpret_cast<sockaddr *>(&Addr), sizeof(Addr)) !=
         0) {
    if (errno == EINTR)
      continue;
    if (errno == ENOENT || errno == ECONNREFUSED)
      return std::nullopt;
    return systemError("cannot connect to '" + Path + "'");
  }
  return std::optional<FrameSocket>(std::move(Socket));
}

/// The first client's make hands its jobserver to its jobs in these, naming
/// descriptors the server does not have: none of the server's business, nor
/// of whatever it starts.
constexpr const char *BuildOnlyVariables[] = {"MAKEFLAGS", "MFLAGS"};

/// Starts the server detached, so that it outlives this client and make's
/// process group, with none of the client's descriptors but the ready pipe,
/// and waits for "ready".
llvm::Error startServer(const ServerTarget &Target) {
  llvm::Expected<std::string> Program = findProgram(Target.ServerPlaces);
  if (!Program)
    return llvm::handleErrors(
        Program.takeError(), [](const ProgramMissing &Missing) {
          return llvm::make_error<ProgramMissing>(
              "cannot start the local server: " + Missing.message() +
              " (a clang-dist copied alone cannot distribute: install or "
              "copy the whole tree)");
        });
  int Pipe[2];
  if (::pipe2(Pipe, O_CLOEXEC) != 0)
    return systemError("cannot create a pipe");
  int Log = ::open(Target.Paths.Log.c_str(),
                   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ProcessOptions Options;
  Options.Argv = {*Program, Target.ConfigPath, std::to_string(Pipe[1])};
  Options.Stdin = ChildStdio::null();
  Options.Stdout = Options.Stderr =
      Log >= 0 ? ChildStdio::fd(Log) : ChildStdio::null();
  Options.KeepFds = {Pipe[1]};
  Options.Detach = true;
  Options.UnsetEnvironment.assign(std::begin(BuildOnlyVariables),
                                  std::end(BuildOnlyVariables));
  llvm::Expected<pid_t> Started = startProcess(Options);
  ::close(Pipe[1]);
  if (Log >= 0)
    ::close(Log);
  if (!Started) {
    ::close(Pipe[0]);
    std::error_code EC;
    std::string Why;
    llvm::handleAllErrors(Started.takeError(),
                          [&](const llvm::ErrorInfoBase &E) {
                            EC = E.convertToErrorCode();
                            Why = E.message();
                          });
    return llvm::createStringError(EC, "cannot start the local server: %s",
                                   Why.c_str());
  }
  // "ready\n", or "error: WHY\n" (LocalServer.h), or nothing: it died.
  std::string Answer;
  bool TimedOut = false;
  while (Answer.find('\n') == std::string::npos && Answer.size() < 4096) {
    pollfd P{Pipe[0], POLLIN, 0};
    int Ready = ::poll(&P, 1, StartTimeoutMs);
    if (Ready < 0 && errno == EINTR)
      continue;
    TimedOut = Ready == 0;
    char Buffer[256];
    ssize_t N = Ready > 0 ? ::read(Pipe[0], Buffer, sizeof(Buffer)) : 0;
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      break;
    Answer.append(Buffer, N);
  }
  ::close(Pipe[0]);
  if (Answer == "ready\n")
    return llvm::Error::success();
  llvm::StringRef Why = llvm::StringRef(Answer).trim();
  std::string Text =
      Why.consume_front("error: ")
          ? "the local server did not start: " + Why.str()
      : TimedOut ? "the local server did not start within " +
                       std::to_string(StartTimeoutMs / 1000) + " s"
                 : std::string("the local server exited before it started");
  return llvm::createStringError(std::make_error_code(std::errc::io_error),
                                 "%s (see %s)", Text.c_str(),
                                 Target.Paths.Log.c_str());
}

/// The start lock's descriptor, locked.
llvm::Expected<int> lockStart(const ServerTarget &Target) {
  int LockFd = ::open(Target.Paths.StartLock.c_str(),
                      O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (LockFd < 0)
    return systemError("cannot open '" + Target.Paths.StartLock + "'");
  while (::flock(LockFd, LOCK_EX) != 0)
    if (errno != EINTR) {
      llvm::Error E =
          systemError("cannot lock '" + Target.Paths.StartLock + "'");
      ::close(LockFd);
      return std::move(E);
    }
  return LockFd;
}

/// The pid of the server that holds \p Target's server lock, or 0 if none
/// does. Called with the start lock held, when nobody listens: such a
/// server is one that no longer listens and finishes its jobs.
int retiringServer(const ServerTarget &Target) {
  int Fd = ::open(Target.Paths.ServerLock.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return 0;
  // Closing the descriptor releases a lock taken here at once: the next
  // server must get it.
  auto Close = llvm::make_scope_exit([&] { ::close(Fd); });
  if (::flock(Fd, LOCK_SH | LOCK_NB) == 0 || errno != EWOULDBLOCK)
    return 0;
  char Text[32] = {};
  int Pid = 0;
  if (::pread(Fd, Text, sizeof(Text) - 1, 0) > 0 &&
      !llvm::StringRef(Text).trim().getAsInteger(10, Pid) && Pid > 0)
    return Pid;
  return 0;
}

} // namespace

llvm::Expected<bool>
clang::dist::whileNoServer(const ServerTarget &Target,
                           llvm::function_ref<llvm::Error()> Body) {
  llvm::Expected<int> LockFd = lockStart(Target);
  if (!LockFd)
    return LockFd.takeError();
  auto Unlock = llvm::make_scope_exit([&] { ::close(*LockFd); });
  auto Running = tryConnect(Target.Paths.Socket);
  if (!Running)
    return Running.takeError();
  if (*Running)
    return false;
  // A server that stopped listening (stopped, replaced, its config edited)
  // holds its lock until its jobs in flight are done, and then writes what
  // it holds: it must not undo what Body does.
  int ServerLock = ::open(Target.Paths.ServerLock.c_str(),
                          O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (ServerLock < 0)
    return systemError("cannot open '" + Target.Paths.ServerLock + "'");
  auto Release = llvm::make_scope_exit([&] { ::close(ServerLock); });
  if (::flock(ServerLock, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK)
      return systemError("cannot lock '" + Target.Paths.ServerLock + "'");
    char Pid[32] = {};
    (void)!::pread(ServerLock, Pid, sizeof(Pid) - 1, 0);
    return llvm::createStringError(
        std::make_error_code(std::errc::device_or_resource_busy),
        "the local server (pid %s) is finishing its jobs in flight; try "
        "again once it has exited",
        llvm::StringRef(Pid).trim().str().c_str());
  }
  if (llvm::Error E = Body())
    return std::move(E);
  return true;
}

llvm::Expected<FrameSocket>
clang::dist::connectToServer(const ServerTarget &Target) {
  auto First = tryConnect(Target.Paths.Socket);
  if (!First)
    return First.takeError();
  if (*First)
    return std::move(**First);

  for (bool Waited = false;; Waited = true) {
    llvm::Expected<int> LockFd = lockStart(Target);
    if (!LockFd)
      return LockFd.takeError();
    // Closing the descriptor releases the lock, on every path out.
    auto Unlock = llvm::make_scope_exit([&] { ::close(*LockFd); });

    auto Again = tryConnect(Target.Paths.Socket);
    if (!Again)
      return Again.takeError();
    if (*Again)
      return std::move(**Again);
    // A server that no longer listens (stopped, replaced, its config
    // edited) keeps the server lock until its jobs in flight are done: a
    // server started now would wait for it, and so would every client that
    // starts one after. Each client waits for it once, all at once (the start
    // lock released), then one starts the next server.
    int Retiring = retiringServer(Target);
    if (Retiring != 0 && Waited)
      return llvm::createStringError(
          std::make_error_code(std::errc::device_or_resource_busy),
          "the previous local server (pid %d) is still finishing its jobs in "
          "flight",
          Retiring);
    if (Retiring != 0) {
      Unlock.release();
      ::close(*LockFd);
      awaitExit(Retiring, StartTimeoutMs);
      continue;
    }
    if (llvm::Error E = startServer(Target))
      return E;
    auto Started = tryConnect(Target.Paths.Socket);
    if (!Started)
      return Started.takeError();
    if (!*Started)
      return llvm::createStringError(
          std::make_error_code(std::errc::connection_refused),
          "the local server started but does not listen "
          "on '%s'",
          Target.Paths.Socket.c_str());
    return std::move(**Started);
  }
}

llvm::Expected<std::optional<FrameSocket>>
clang::dist::connectToRunningServer(const ServerTarget &Target) {
  Hello H;
  H.ClangVersion = clang::getClangFullVersion();
  H.Peer = "clang-dist command";
  for (int Try = 0;; ++Try) {
    auto Socket = tryConnect(Target.Paths.Socket);
    if (!Socket || !*Socket)
      return Socket;
    llvm::Error Failed = (*Socket)->writeAll(encodeFrame(H));
    llvm::Expected<HelloReply> Reply =
        Failed ? llvm::Expected<HelloReply>(std::move(Failed))
               : (*Socket)->read<HelloReply>();
    if (Reply && !Reply->Accepted)
      Reply = llvm::createStringError(
          std::make_error_code(std::errc::protocol_error),
          "the local server refused: %s", Reply->Reason.c_str());
    if (Reply)
      return Socket;
    if (Try == 1)
      return Reply.takeError();
    // A server that finds its config changed refuses the connection that
    // found out, and exits: its successor, or nobody, is the one to ask.
    llvm::consumeError(Reply.takeError());
    awaitServerExit(**Socket);
  }
}

int clang::dist::serverPid(const FrameSocket &Socket) {
  ucred Peer{};
  socklen_t Size = sizeof(Peer);
  if (::getsockopt(Socket.fd(), SOL_SOCKET, SO_PEERCRED, &Peer, &Size) != 0 ||
      Peer.pid <= 0)
    return 0;
  return Peer.pid;
}

void clang::dist::awaitExit(int Pid, int TimeoutMs) {
  if (Pid <= 0)
    return;
  // A pidfd turns readable when the process has exited, its descriptors
  // closed; none means it is gone already.
  int PidFd = static_cast<int>(::syscall(SYS_pidfd_open, Pid, 0));
  if (PidFd < 0)
    return;
  pollfd P{PidFd, POLLIN, 0};
  while (::poll(&P, 1, TimeoutMs) < 0 && errno == EINTR)
    ;
  ::close(PidFd);
}

void clang::dist::awaitServerExit(const FrameSocket &Socket) {
  awaitExit(serverPid(Socket), ExitTimeoutMs);
}
