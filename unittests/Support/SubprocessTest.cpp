//===- unittests/Support/SubprocessTest.cpp - Starting a process ----------===//

#include "Support/Subprocess.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;

namespace {

/// Runs `sh -c Script` as \p Options say otherwise, with its stdout into a
/// file, and returns what it wrote once it exited 0.
std::string runShell(ProcessOptions Options, const std::string &Script) {
  TempDir Dir;
  int Out = ::open(Dir.file("out").c_str(),
                   O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(Out >= 0);
  Options.Argv = {"/bin/sh", "-c", Script};
  Options.Stdout = ChildStdio::fd(Out);
  pid_t Pid = unwrap(startProcess(Options));
  ::close(Out);
  ProcessExit Exit = unwrap(waitProcess(Pid));
  CHECK(Exit.Signal == 0);
  CHECK(Exit.Code == 0);
  auto Text = llvm::MemoryBuffer::getFile(Dir.file("out"));
  REQUIRE(Text);
  return (*Text)->getBuffer().str();
}

/// A shell loop that prints each of \p Fds that is open in the shell.
std::string openOnes(std::initializer_list<int> Fds) {
  std::string List;
  for (int Fd : Fds)
    List += " " + std::to_string(Fd);
  return "for fd in" + List +
         "; do if [ -e /proc/$$/fd/$fd ]; then echo $fd; fi; done";
}

/// The hexadecimal mask of a "Field:" line of /proc/self/status, as the
/// program \p Options start sees it.
uint64_t statusMask(ProcessOptions Options, llvm::StringRef Field) {
  std::string Status =
      runShell(std::move(Options), "exec cat /proc/self/status");
  for (llvm::StringRef Line : llvm::split(Status, '\n'))
    if (Line.consume_front(Field.str() + ":")) {
      uint64_t Mask = 0;
      REQUIRE(!Line.trim().getAsInteger(16, Mask));
      return Mask;
    }
  FAIL("no " << Field.str() << " in /proc/self/status");
  return 0;
}

uint64_t bit(int Signal) { return uint64_t(1) << (Signal - 1); }

} // namespace

TEST_CASE("A child keeps descriptors 0-2 and those kept, no other",
          "[Subprocess]") {
  // Inheritable, as make's jobserver pipe and a caller's files are.
  int Pipe[2];
  REQUIRE(::pipe(Pipe) == 0);
  int File = ::open("/dev/null", O_RDONLY);
  int Kept = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(File >= 0);
  REQUIRE(Kept >= 0);
  ProcessOptions Options;
  Options.KeepFds = {Kept};
  CHECK(runShell(Options, openOnes({0, 1, 2, Pipe[0], Pipe[1], File, Kept})) ==
        "0\n1\n2\n" + std::to_string(Kept) + "\n");

  // Its end closed in the child too, the pipe's reader sees the end.
  ::close(Pipe[1]);
  char Byte;
  CHECK(::read(Pipe[0], &Byte, 1) == 0);
  for (int Fd : {Pipe[0], File, Kept})
    ::close(Fd);
}

TEST_CASE("A function run in the child has only the descriptors kept",
          "[Subprocess]") {
  int Kept = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int Other = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(Kept >= 0);
  REQUIRE(Other >= 0);
  ProcessOptions Options;
  Options.Argv = {"slot"};
  Options.KeepFds = {Kept};
  Options.Run = [Kept, Other] {
    bool KeptOpen = ::fcntl(Kept, F_GETFD) >= 0;
    bool OtherOpen = ::fcntl(Other, F_GETFD) >= 0;
    return KeptOpen && !OtherOpen ? 7 : 1;
  };
  pid_t Pid = unwrap(startProcess(Options));
  CHECK(unwrap(waitProcess(Pid)).Code == 7);
  ::close(Kept);
  ::close(Other);
}

TEST_CASE("Standard descriptors come from /dev/null or a given descriptor",
          "[Subprocess]") {
  TempDir Dir;
  int Err = ::open(Dir.file("err").c_str(),
                   O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(Err >= 0);
  ProcessOptions Options;
  Options.Stdin = ChildStdio::null();
  Options.Stderr = ChildStdio::fd(Err);
  CHECK(runShell(Options, "echo out; echo err >&2; cat; echo end") ==
        "out\nend\n");
  ::close(Err);
  auto ErrText = llvm::MemoryBuffer::getFile(Dir.file("err"));
  REQUIRE(ErrText);
  CHECK((*ErrText)->getBuffer() == "err\n");
}

TEST_CASE("A program that cannot run is an error naming it and errno",
          "[Subprocess]") {
  ProcessOptions Options;
  Options.Argv = {"/nonexistent/clang-16", "-cc1"};
  llvm::Expected<pid_t> Pid = startProcess(Options);
  REQUIRE(!Pid);
  std::error_code Code = llvm::errorToErrorCode(Pid.takeError());
  CHECK(Code == std::errc::no_such_file_or_directory);

  CHECK_THAT(errorText(startProcess(Options)),
             Contains("cannot run '/nonexistent/clang-16': No such file or "
                      "directory"));
}

TEST_CASE("How a child ended: its exit code or its signal", "[Subprocess]") {
  ProcessOptions Options;
  Options.Argv = {"/bin/sh", "-c", "exit 3"};
  ProcessExit Exit = unwrap(waitProcess(unwrap(startProcess(Options))));
  CHECK(Exit.Code == 3);
  CHECK(Exit.Signal == 0);

  Options.Argv = {"/bin/sh", "-c", "kill -TERM $$"};
  Exit = unwrap(waitProcess(unwrap(startProcess(Options))));
  CHECK(Exit.Signal == SIGTERM);

  // Not a child of ours.
  CHECK_THAT(errorText(waitProcess(::getpid())),
             Contains("cannot wait for process"));
}

TEST_CASE("Signals start at their defaults, unblocked, unless asked",
          "[Subprocess]") {
  struct sigaction Ignore = {}, Old;
  Ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGUSR1, &Ignore, &Old) == 0);
  sigset_t Blocked, OldMask;
  sigemptyset(&Blocked);
  sigaddset(&Blocked, SIGUSR2);
  REQUIRE(::sigprocmask(SIG_BLOCK, &Blocked, &OldMask) == 0);

  ProcessOptions Fresh;
  CHECK((statusMask(Fresh, "SigIgn") & bit(SIGUSR1)) == 0);
  CHECK(statusMask(Fresh, "SigBlk") == 0);

  ProcessOptions AsExec;
  AsExec.ResetIgnoredSignals = false;
  AsExec.IgnoredSignals = {SIGHUP};
  AsExec.SignalMask = Blocked;
  uint64_t Ignored = statusMask(AsExec, "SigIgn");
  CHECK((Ignored & bit(SIGUSR1)) != 0);
  CHECK((Ignored & bit(SIGHUP)) != 0);
  CHECK(statusMask(AsExec, "SigBlk") == bit(SIGUSR2));

  ::sigprocmask(SIG_SETMASK, &OldMask, nullptr);
  ::sigaction(SIGUSR1, &Old, nullptr);
}

TEST_CASE("Environment variables can be left out", "[Subprocess]") {
  ::setenv("CLANG_DIST_TEST_GONE", "1", 1);
  ::setenv("CLANG_DIST_TEST_KEPT", "2", 1);
  ProcessOptions Options;
  Options.UnsetEnvironment = {"CLANG_DIST_TEST_GONE"};
  CHECK(runShell(Options, "echo ${CLANG_DIST_TEST_GONE-unset} "
                          "${CLANG_DIST_TEST_KEPT-unset}") == "unset 2\n");
  ::unsetenv("CLANG_DIST_TEST_GONE");
  ::unsetenv("CLANG_DIST_TEST_KEPT");
}

TEST_CASE("A detached child is in a session of its own and not our child",
          "[Subprocess]") {
  int Pipe[2];
  REQUIRE(::pipe2(Pipe, O_CLOEXEC) == 0);
  ProcessOptions Options;
  Options.Argv = {"/bin/cat", "/proc/self/stat"};
  Options.Stdout = ChildStdio::fd(Pipe[1]);
  Options.Detach = true;
  CHECK(unwrap(startProcess(Options)) == 0);
  ::close(Pipe[1]);
  std::string Stat;
  char Buffer[512];
  ssize_t N;
  while ((N = ::read(Pipe[0], Buffer, sizeof(Buffer))) > 0)
    Stat.append(Buffer, N);
  ::close(Pipe[0]);
  // After the name: state, parent, process group, session.
  llvm::SmallVector<llvm::StringRef, 8> Fields;
  llvm::SplitString(llvm::StringRef(Stat).rsplit(')').second, Fields);
  REQUIRE(Fields.size() > 4);
  CHECK(Fields[1] != std::to_string(::getpid()));
  CHECK(Fields[3] != std::to_string(::getsid(0)));
}
