//===- unittests/RedisServer.h - A real Redis, and a silent one -*- C++ -*-===//
//
// For the tests of Redis clients: a redis-server of the test's own on
// loopback (scripts/install-deps.sh installs it), and a port that accepts
// connections and never answers.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_UNITTESTS_REDISSERVER_H
#define CLANG_DIST_UNITTESTS_REDISSERVER_H

#include "ExpectedMatchers.h"
#include "Redis/Client.h"
#include "Support/Subprocess.h"
#include "TempDir.h"
#include <catch2/catch.hpp>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace clang::dist::test {

/// A loopback socket listening on a port the system chose, never accepting:
/// the kernel completes connections into its backlog, and nothing answers.
class SilentListener {
public:
  SilentListener() : Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in A{};
    A.sin_family = AF_INET;
    A.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t Size = sizeof(A);
    REQUIRE(::bind(Fd, reinterpret_cast<sockaddr *>(&A), sizeof(A)) == 0);
    REQUIRE(::listen(Fd, 16) == 0);
    REQUIRE(::getsockname(Fd, reinterpret_cast<sockaddr *>(&A), &Size) == 0);
    Port = ntohs(A.sin_port);
  }
  ~SilentListener() { ::close(Fd); }
  RedisAddress address() const { return {"127.0.0.1", Port, 0, "", ""}; }
  int fd() const { return Fd; }

private:
  int Fd;
  uint16_t Port = 0;
};

/// A real redis-server on loopback, on \p Port or a free one, stopped with
/// the test.
class RedisServer {
public:
  explicit RedisServer(const TempDir &Dir, uint16_t Port = 0) {
    using namespace std::chrono_literals;
    if (Port == 0) {
      SilentListener Probe;
      Port = Probe.address().Port;
    }
    ProcessOptions Options;
    Options.Argv = {"/usr/bin/redis-server",
                    "--port",
                    std::to_string(Port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    Dir.Path};
    Options.Stdout = Options.Stderr = ChildStdio::null();
    Options.ParentDeathSignal = SIGKILL;
    Pid = unwrap(startProcess(Options));
    Address = RedisAddress();
    Address.Host = "127.0.0.1";
    Address.Port = Port;
    // Ready when it answers; a loaded machine may take a while.
    for (int Try = 0; Try < 600; ++Try) {
      auto Client = RedisClient::connect(Address, 1s);
      if (Client) {
        auto Pong = Client->command({"PING"}, 5s);
        if (Pong && Pong->Text == "PONG")
          return;
      } else {
        llvm::consumeError(Client.takeError());
      }
      std::this_thread::sleep_for(50ms);
    }
    FAIL("redis-server did not answer on port " << Port);
  }
  ~RedisServer() { kill(); }
  /// Gone, its port closed, when this returns.
  void kill() {
    if (Pid < 0)
      return;
    ::kill(Pid, SIGKILL);
    llvm::consumeError(waitProcess(Pid).takeError());
    Pid = -1;
  }
  void signal(int Sig) { ::kill(Pid, Sig); }
  RedisAddress Address;

private:
  pid_t Pid = -1;
};

} // namespace clang::dist::test

#endif
