//===- unittests/Redis/ClientTest.cpp - One connection to Redis -----------===//
//
// Against a real redis-server started here on loopback (scripts/install-deps.sh
// installs it): values of any bytes, databases, a failed command, and each
// way a Redis can fail its client: not there, silent, stopped, hostile.
//
//===----------------------------------------------------------------------===//

#include "Redis/Client.h"
#include "ExpectedMatchers.h"
#include "RedisServer.h"
#include "TempDir.h"
#include <catch2/catch.hpp>
#include <csignal>
#include <optional>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
using Kind = RedisReply::Kind;

namespace {

RedisError::Kind failureKind(llvm::Error E, std::string &Message) {
  RedisError::Kind K = RedisError::Broken;
  bool Found = false;
  llvm::handleAllErrors(std::move(E), [&](const RedisError &R) {
    K = R.kind();
    Message = R.message();
    Found = true;
  });
  CHECK(Found);
  return K;
}

template <typename T>
RedisError::Kind failureKind(llvm::Expected<T> V, std::string &Message) {
  if (V) {
    FAIL("no error");
    return RedisError::Broken;
  }
  return failureKind(V.takeError(), Message);
}

} // namespace

TEST_CASE("Redis keeps values of any bytes, per database", "[Redis]") {
  TempDir T;
  RedisServer Server(T);
  RedisClient Zero = unwrap(RedisClient::connect(Server.Address, 5s));
  std::string Value("obj\0\r\n\xff", 7);
  Value += std::string(300 << 10, 'x');
  CHECK(unwrap(Zero.command({"SET", "key", Value}, 5s)).Type == Kind::Status);
  RedisReply Got = unwrap(Zero.command({"GET", "key"}, 5s));
  CHECK(Got.Type == Kind::Bulk);
  CHECK(Got.Text == Value);
  CHECK(unwrap(Zero.command({"GET", "other"}, 5s)).Type == Kind::Nil);

  RedisAddress One = Server.Address;
  One.Database = 1;
  RedisClient InOne = unwrap(RedisClient::connect(One, 5s));
  CHECK(unwrap(InOne.command({"GET", "key"}, 5s)).Type == Kind::Nil);

  // A failed command is a reply; the connection goes on.
  RedisReply Error = unwrap(Zero.command({"NO-SUCH-COMMAND"}, 5s));
  CHECK(Error.Type == Kind::Error);
  CHECK_THAT(Error.Text, Contains("unknown command"));
  CHECK(unwrap(Zero.command({"PING"}, 5s)).Text == "PONG");

  RedisAddress Missing = Server.Address;
  Missing.Database = 65535;
  std::string Message;
  CHECK(failureKind(RedisClient::connect(Missing, 5s), Message) ==
        RedisError::Refused);
  CHECK_THAT(Message, Contains("refused SELECT 65535"));
}

TEST_CASE("A Redis with a password, or ACL users", "[Redis]") {
  TempDir T;
  RedisServer Server(T);
  {
    RedisClient Admin = unwrap(RedisClient::connect(Server.Address, 5s));
    CHECK(unwrap(Admin.command({"ACL", "SETUSER", "alice", "on", ">alices pw",
                                "~*", "+@all"},
                               5s))
              .Type == Kind::Status);
    CHECK(unwrap(Admin.command({"CONFIG", "SET", "requirepass", "s3cret"}, 5s))
              .Type == Kind::Status);
  }
  RedisAddress Address = Server.Address;
  // Without the password Redis answers every command with an error.
  RedisClient Anonymous = unwrap(RedisClient::connect(Address, 5s));
  RedisReply NoAuth = unwrap(Anonymous.command({"GET", "k"}, 5s));
  CHECK(NoAuth.Type == Kind::Error);
  CHECK_THAT(NoAuth.Text, Contains("NOAUTH"));

  Address.Password = "s3cret";
  Address.Database = 1;
  RedisClient Default = unwrap(RedisClient::connect(Address, 5s));
  CHECK(unwrap(Default.command({"SET", "k", "v"}, 5s)).Type == Kind::Status);

  Address.User = "alice";
  Address.Password = "alices pw";
  RedisClient Alice = unwrap(RedisClient::connect(Address, 5s));
  CHECK(unwrap(Alice.command({"GET", "k"}, 5s)).Text == "v");

  std::string Message;
  Address.Password = "wrong secret";
  CHECK(failureKind(RedisClient::connect(Address, 5s), Message) ==
        RedisError::Refused);
  CHECK_THAT(Message, Contains("refused AUTH as 'alice': WRONGPASS"));
  CHECK_THAT(Message, !Contains("wrong secret"));
  Address.User.clear();
  CHECK(failureKind(RedisClient::connect(Address, 5s), Message) ==
        RedisError::Refused);
  CHECK_THAT(Message, Contains("refused AUTH: WRONGPASS"));
}

TEST_CASE("A Redis that is not there, or silent, costs its timeout",
          "[Redis]") {
  std::string Message;
  RedisAddress Closed;
  {
    SilentListener Gone;
    Closed = Gone.address();
  }
  CHECK(failureKind(RedisClient::connect(Closed, 5s), Message) ==
        RedisError::Unreachable);
  CHECK_THAT(Message,
             Contains("cannot connect to redis://127.0.0.1:" +
                      std::to_string(Closed.Port) + "/0: Connection refused"));

  CHECK(failureKind(
            RedisClient::connect({"nonexistent.invalid", 6379, 0, "", ""}, 5s),
            Message) == RedisError::Unreachable);
  CHECK_THAT(Message, Contains("cannot resolve 'nonexistent.invalid'"));

  SilentListener Silent;
  RedisClient Client = unwrap(RedisClient::connect(Silent.address(), 5s));
  CHECK(failureKind(Client.command({"GET", "k"}, 200ms), Message) ==
        RedisError::TimedOut);
  CHECK_THAT(Message, Contains("no reply in time"));
  // The connection is done with: a late reply must not answer a later
  // command.
  CHECK(failureKind(Client.command({"PING"}, 200ms), Message) ==
        RedisError::Broken);
}

TEST_CASE("A Redis stopped mid-build times out, and serves again after",
          "[Redis]") {
  TempDir T;
  RedisServer Server(T);
  RedisClient Client = unwrap(RedisClient::connect(Server.Address, 5s));
  Server.signal(SIGSTOP);
  std::string Message;
  CHECK(failureKind(Client.command({"GET", "k"}, 300ms), Message) ==
        RedisError::TimedOut);
  Server.signal(SIGCONT);
  RedisClient Again = unwrap(RedisClient::connect(Server.Address, 5s));
  CHECK(unwrap(Again.command({"PING"}, 5s)).Text == "PONG");
}

TEST_CASE("A hostile Redis gets a broken connection, not a reply", "[Redis]") {
  struct Case {
    std::string Sends;
    std::string Error;
  } Cases[] = {
      {"$99999999999\r\n", "a bulk string of 99999999999 bytes"},
      {"!garbage\r\n", "unknown type 0x21"},
      {"+OK\r\n+OK\r\n", "more than one reply to a command"},
      {"", "closed the connection"},
  };
  for (const Case &C : Cases) {
    SilentListener Listener;
    std::thread Peer([&] {
      int S = ::accept(Listener.fd(), nullptr, nullptr);
      char Buffer[256];
      (void)!::read(S, Buffer, sizeof(Buffer));
      (void)!::write(S, C.Sends.data(), C.Sends.size());
      ::shutdown(S, SHUT_WR);
      // Held open until the client is done: only what was sent counts.
      (void)!::read(S, Buffer, sizeof(Buffer));
      ::close(S);
    });
    RedisClient Client = unwrap(RedisClient::connect(Listener.address(), 5s));
    std::string Message;
    CHECK(failureKind(Client.command({"GET", "k"}, 5s), Message) ==
          RedisError::Broken);
    CHECK_THAT(Message, Contains(C.Error));
    Peer.join();
  }
}

TEST_CASE("Redis addresses as ccache and sccache spell them", "[Redis]") {
  RedisAddress A = unwrap(RedisAddress::parse("redis://cache.example:6380/3"));
  CHECK(A.Host == "cache.example");
  CHECK(A.Port == 6380);
  CHECK(A.Database == 3);
  CHECK(A.str() == "redis://cache.example:6380/3");
  RedisAddress Default = unwrap(RedisAddress::parse("redis://10.0.0.9"));
  CHECK(Default.Port == 6379);
  CHECK(Default.Database == 0);
  RedisAddress V6 = unwrap(RedisAddress::parse("redis://[fd00::7]:7000/"));
  CHECK(V6.Host == "fd00::7");
  CHECK(V6.str() == "redis://[fd00::7]:7000/0");
  CHECK(Default.Password.empty());
  for (const char *Bad :
       {"http://x", "redis://", "redis://:6379", "redis://h:0", "redis://h:x",
        "redis://h:70000", "redis://h/x", "redis://h/70000", "redis://[::1",
        "redis://[::1]x", "redis://@h", "redis://u:@h", "redis://%zz@h"})
    CHECK_THAT(errorText(RedisAddress::parse(Bad)),
               Contains("is not redis://[[USER:]PASSWORD@]HOST[:PORT][/DB]"));
}

TEST_CASE("A Redis address's user and password", "[Redis]") {
  RedisAddress P = unwrap(RedisAddress::parse("redis://s3cret@cache:6380/2"));
  CHECK(P.User.empty());
  CHECK(P.Password == "s3cret");
  CHECK(P.Host == "cache");
  CHECK(P.Database == 2);
  RedisAddress Colon = unwrap(RedisAddress::parse("redis://:s3cret@cache"));
  CHECK(Colon.User.empty());
  CHECK(Colon.Password == "s3cret");
  // Percent-encoded as in any URL; a ':' after the user's is the password's.
  RedisAddress U =
      unwrap(RedisAddress::parse("redis://alice:p%40ss:w%2Fd@[::1]:7000/1"));
  CHECK(U.User == "alice");
  CHECK(U.Password == "p@ss:w/d");
  CHECK(U.Host == "::1");
  // Neither logs nor errors show the password.
  CHECK(U.str() == "redis://[::1]:7000/1");
  std::string Error = errorText(RedisAddress::parse("redis://u:s3cret@h:x"));
  CHECK_THAT(Error, Contains("'redis://...@h:x'"));
  CHECK_THAT(Error, !Contains("s3cret"));
}

TEST_CASE("A connection made when needed, and again after a failure",
          "[Redis]") {
  TempDir T;
  std::optional<RedisServer> Server;
  Server.emplace(T);
  uint16_t Port = Server->Address.Port;
  RedisConnection Connection(Server->Address, 5s, 5s);
  CHECK(unwrap(Connection.command({"PING"})).Text == "PONG");
  Server->kill();
  std::string Message;
  CHECK(failureKind(Connection.command({"PING"}), Message) !=
        RedisError::TimedOut);
  // Nothing listens: each command tries anew, and fails.
  CHECK(failureKind(Connection.command({"PING"}), Message) ==
        RedisError::Unreachable);
  Server.reset();
  RedisServer Again(T, Port);
  CHECK(unwrap(Connection.command({"PING"})).Text == "PONG");
}
