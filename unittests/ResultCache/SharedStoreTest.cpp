//===- unittests/ResultCache/SharedStoreTest.cpp - A team's cache ---------===//
//
// Against a real redis-server on loopback: values of any bytes, threads at
// once, and each way a shared Redis fails a build that must go on: killed,
// stopped, silent, garbage, a value too large, a key of another type, an
// error reply. Skipping is checked by what the Redis saw: no connection.
//
//===----------------------------------------------------------------------===//

#include "ResultCache/SharedStore.h"
#include "ExpectedMatchers.h"
#include "RedisServer.h"
#include "Support/Log.h"
#include "TempDir.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <poll.h>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// Connections \p Server accepted so far, asked over \p Client's.
uint64_t connectionsReceived(RedisClient &Client) {
  RedisReply Info = unwrap(Client.command({"INFO", "stats"}, 5s));
  llvm::StringRef Text = Info.Text;
  llvm::StringRef Field = "total_connections_received:";
  size_t At = Text.find(Field);
  REQUIRE(At != llvm::StringRef::npos);
  uint64_t N = 0;
  Text.drop_front(At + Field.size())
      .take_until([](char C) { return C == '\r'; })
      .getAsInteger(10, N);
  return N;
}

/// Lines of \p Path that contain \p Text.
size_t linesWith(const std::string &Path, llvm::StringRef Text) {
  llvm::SmallVector<llvm::StringRef> Lines;
  std::string All = readFile(Path);
  llvm::StringRef(All).split(Lines, '\n');
  return llvm::count_if(Lines,
                        [&](llvm::StringRef L) { return L.contains(Text); });
}

std::chrono::milliseconds since(Clock::time_point Start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                               Start);
}

/// The store's state for one test: a log file to read, short deadlines.
struct Fixture {
  TempDir T;
  Logger Log = unwrap(Logger::openFile(T.file("log"), "test"));
  SharedStore::Options Opts;
  Fixture() {
    Opts.CommandTimeout = 300ms;
    Opts.SkipFor = 60s;
  }
  std::string log() const { return T.file("log"); }
};

/// A port that answers every connection with what is not RESP, counting
/// them.
class GarbageServer {
public:
  GarbageServer()
      : Thread([this] {
          while (!Stop) {
            pollfd P{Listener.fd(), POLLIN, 0};
            if (::poll(&P, 1, 20) != 1)
              continue;
            int S = ::accept(Listener.fd(), nullptr, nullptr);
            ++Accepted;
            // After the command, so that the client reads the garbage, not
            // a reset for a command unread.
            char Buffer[256];
            (void)!::read(S, Buffer, sizeof(Buffer));
            (void)!::write(S, "!garbage\r\n", 10);
            ::shutdown(S, SHUT_WR);
            while (::read(S, Buffer, sizeof(Buffer)) > 0)
              ;
            ::close(S);
          }
        }) {}
  ~GarbageServer() {
    Stop = true;
    Thread.join();
  }
  RedisAddress address() const { return Listener.address(); }
  std::atomic<unsigned> Accepted{0};

private:
  SilentListener Listener;
  std::atomic<bool> Stop{false};
  std::thread Thread;
};

} // namespace

TEST_CASE("The shared store keeps values of any bytes", "[SharedStore]") {
  Fixture F;
  RedisServer Server(F.T);
  SharedStore Store(Server.Address, F.Log, F.Opts);
  std::string Every;
  for (int C = 0; C < 256; ++C)
    Every += static_cast<char>(C);
  std::string Large(10 << 20, '\0');
  for (size_t I = 0; I < Large.size(); ++I)
    Large[I] = static_cast<char>(I * 7 + I / 4096);

  Store.store("every", Every);
  Store.store("empty", "");
  Store.store("large", Large);
  CHECK(Store.load("every") == Every);
  CHECK(Store.load("empty") == std::string());
  CHECK(Store.load("large") == Large);
  CHECK_FALSE(Store.load("missing"));

  // The key layout that docs/CACHE.md names.
  RedisClient Plain = unwrap(RedisClient::connect(Server.Address, 5s));
  CHECK(unwrap(Plain.command({"GET", "clang-dist:every"}, 5s)).Text == Every);

  Store.remove("every");
  CHECK_FALSE(Store.load("every"));
  CHECK(unwrap(Plain.command({"EXISTS", "clang-dist:every"}, 5s)).Integer == 0);

  RedisAddress One = Server.Address;
  One.Database = 1;
  SharedStore InOne(One, F.Log, F.Opts);
  CHECK_FALSE(InOne.load("large"));
  InOne.store("large", "one's");
  CHECK(InOne.load("large") == "one's");
  CHECK(Store.load("large") == Large);

  CHECK_FALSE(Store.takeNotice());
  CHECK(readFile(F.log()).empty());
}

TEST_CASE("Threads share the store's connections", "[SharedStore]") {
  Fixture F;
  RedisServer Server(F.T);
  SharedStore Store(Server.Address, F.Log, F.Opts);
  RedisClient Plain = unwrap(RedisClient::connect(Server.Address, 5s));
  uint64_t Before = connectionsReceived(Plain);
  constexpr unsigned Threads = 8, Rounds = 50;
  std::atomic<unsigned> Right{0};
  std::vector<std::thread> Running;
  for (unsigned T = 0; T < Threads; ++T)
    Running.emplace_back([&, T] {
      for (unsigned R = 0; R < Rounds; ++R) {
        std::string Key = "k" + std::to_string(T) + "x" + std::to_string(R);
        std::string Value(1000 + R, static_cast<char>('a' + T));
        Store.store(Key, Value);
        Right += Store.load(Key) == Value;
      }
    });
  for (std::thread &T : Running)
    T.join();
  CHECK(Right == Threads * Rounds);
  // At most one connection for each thread that ran at once.
  CHECK(connectionsReceived(Plain) - Before <= Threads);
  CHECK_FALSE(Store.takeNotice());
}

TEST_CASE("A killed Redis is skipped at once, with one notice",
          "[SharedStore]") {
  Fixture F;
  auto Server = std::make_unique<RedisServer>(F.T);
  RedisAddress Address = Server->Address;
  SharedStore Store(Address, F.Log, F.Opts);
  Store.store("abc", "value");
  REQUIRE(Store.load("abc") == "value");
  Server->kill();

  // The idle connection is closed: the call connects anew and is refused.
  Clock::time_point Start = Clock::now();
  CHECK_FALSE(Store.load("abc"));
  CHECK(since(Start) < F.Opts.CommandTimeout);
  std::optional<std::string> Notice = Store.takeNotice();
  REQUIRE(Notice);
  CHECK_THAT(*Notice,
             Contains("the shared cache does not answer (cannot connect to " +
                      Address.str() +
                      ": Connection refused); compiling "
                      "without it for 60 s"));
  CHECK_FALSE(Store.takeNotice());

  // A Redis that is back within the skip period sees nothing of the store.
  Server = std::make_unique<RedisServer>(F.T, Address.Port);
  RedisClient Plain = unwrap(RedisClient::connect(Address, 5s));
  uint64_t Before = connectionsReceived(Plain);
  for (int I = 0; I < 20; ++I) {
    Store.store("abc", "skipped");
    CHECK_FALSE(Store.load("abc"));
  }
  CHECK(connectionsReceived(Plain) == Before);
  CHECK(unwrap(Plain.command({"EXISTS", "clang-dist:abc"}, 5s)).Integer == 0);
  CHECK_FALSE(Store.takeNotice());
  CHECK(linesWith(F.log(), "does not answer") == 1);
}

TEST_CASE("Threads that all lose Redis at once tell of one outage",
          "[SharedStore]") {
  Fixture F;
  RedisServer Server(F.T);
  SharedStore Store(Server.Address, F.Log, F.Opts);
  constexpr unsigned Threads = 8, Rounds = 200;
  std::atomic<unsigned> Calls{0};
  std::vector<std::thread> Running;
  for (unsigned T = 0; T < Threads; ++T)
    Running.emplace_back([&, T] {
      std::string Key = "k" + std::to_string(T);
      for (unsigned R = 0; R < Rounds; ++R) {
        Store.store(Key, "value");
        (void)Store.load(Key);
        Calls += 2;
      }
    });
  // Killed while the threads are busy with it.
  while (Calls < Threads * 10)
    std::this_thread::yield();
  Server.kill();
  for (std::thread &T : Running)
    T.join();
  CHECK(Store.takeNotice());
  CHECK_FALSE(Store.takeNotice());
  CHECK(linesWith(F.log(), "skipped for") == 1);
}

TEST_CASE("After the skip period one caller tries again", "[SharedStore]") {
  Fixture F;
  F.Opts.SkipFor = 300ms;
  auto Server = std::make_unique<RedisServer>(F.T);
  RedisAddress Address = Server->Address;
  SharedStore Store(Address, F.Log, F.Opts);
  Server->kill();
  Clock::time_point Start = Clock::now();
  CHECK_FALSE(Store.load("abc"));
  CHECK(Store.takeNotice());

  // Still down when it tries again: the same outage, untold.
  std::this_thread::sleep_for(F.Opts.SkipFor);
  CHECK_FALSE(Store.load("abc"));
  CHECK_FALSE(Store.takeNotice());

  Server = std::make_unique<RedisServer>(F.T, Address.Port);
  RedisClient Plain = unwrap(RedisClient::connect(Address, 5s));
  // Skipped until the period after the failed try has passed; then stored.
  Clock::time_point Retried = Clock::now();
  while (unwrap(Plain.command({"GET", "clang-dist:abc"}, 5s)).Text != "back") {
    REQUIRE(since(Retried) < 30s);
    Store.store("abc", "back");
    std::this_thread::sleep_for(10ms);
  }
  CHECK(since(Start) >= 2 * F.Opts.SkipFor);
  CHECK(Store.load("abc") == "back");
  CHECK_FALSE(Store.takeNotice());
  CHECK(linesWith(F.log(), "does not answer") == 1);
  CHECK(linesWith(F.log(), "answers again") == 1);
}

TEST_CASE("A stopped Redis costs one call the deadline", "[SharedStore]") {
  Fixture F;
  RedisServer Server(F.T);
  SharedStore Store(Server.Address, F.Log, F.Opts);
  Store.store("abc", "value");
  Server.signal(SIGSTOP);
  Clock::time_point Start = Clock::now();
  CHECK_FALSE(Store.load("abc"));
  // Waited for the reply (poll's milliseconds may end it a little short).
  CHECK(since(Start) >= F.Opts.CommandTimeout - 10ms);
  std::optional<std::string> Notice = Store.takeNotice();
  REQUIRE(Notice);
  CHECK_THAT(*Notice, Contains("does not answer (" + Server.Address.str() +
                               ": no reply in time)"));
  // Every later call returns at once, well within one deadline for all.
  Start = Clock::now();
  for (int I = 0; I < 20; ++I) {
    Store.store("abc", "other");
    CHECK_FALSE(Store.load("abc"));
  }
  CHECK(since(Start) < F.Opts.CommandTimeout);
  CHECK_FALSE(Store.takeNotice());
  Server.signal(SIGCONT);
}

TEST_CASE("A silent port is skipped as a stopped Redis is", "[SharedStore]") {
  Fixture F;
  SilentListener Silent;
  SharedStore Store(Silent.address(), F.Log, F.Opts);
  CHECK_FALSE(Store.load("abc"));
  REQUIRE(Store.takeNotice());
  Clock::time_point Start = Clock::now();
  Store.store("abc", "value");
  CHECK_FALSE(Store.load("abc"));
  CHECK(since(Start) < F.Opts.CommandTimeout);
  CHECK_FALSE(Store.takeNotice());
}

TEST_CASE("Garbage from a port costs a few connections, then is skipped",
          "[SharedStore]") {
  Fixture F;
  GarbageServer Garbage;
  SharedStore Store(Garbage.address(), F.Log, F.Opts);
  CHECK_FALSE(Store.load("abc"));
  CHECK_FALSE(Store.load("abc"));
  CHECK_FALSE(Store.takeNotice());
  CHECK_FALSE(Store.load("abc"));
  std::optional<std::string> Notice = Store.takeNotice();
  REQUIRE(Notice);
  CHECK_THAT(*Notice, Contains("fails (" + Garbage.address().str() +
                               ": garbage from the Redis server: a reply of "
                               "unknown type 0x21; 3 times in a row); "
                               "compiling without it for 60 s"));
  for (int I = 0; I < 10; ++I)
    CHECK_FALSE(Store.load("abc"));
  CHECK(Garbage.Accepted == 3);
  CHECK(linesWith(F.log(), "dropped a connection") == 2);
}

TEST_CASE("A value over the limit is neither stored nor loaded",
          "[SharedStore]") {
  Fixture F;
  F.Opts.Limits.MaxBulk = 1 << 20;
  RedisServer Server(F.T);
  SharedStore Store(Server.Address, F.Log, F.Opts);
  RedisClient Plain = unwrap(RedisClient::connect(Server.Address, 5s));
  std::string Big((1 << 20) + 1, 'x');

  Store.store("big", Big);
  CHECK(unwrap(Plain.command({"EXISTS", "clang-dist:big"}, 5s)).Integer == 0);

  // Written by another client: refused by its length, a miss.
  unwrap(Plain.command({"SET", "clang-dist:big", Big}, 5s));
  Store.store("small", "fits");
  CHECK_FALSE(Store.load("big"));
  CHECK(Store.load("small") == "fits");
  CHECK_FALSE(Store.load("big"));
  CHECK(Store.load("small") == "fits");
  CHECK_FALSE(Store.takeNotice());
  CHECK_THAT(readFile(F.log()), Contains("a bulk string of 1048577 bytes"));
}

TEST_CASE("A key of another type, and an error reply, are misses told once",
          "[SharedStore]") {
  Fixture F;
  RedisServer Server(F.T);
  SharedStore Store(Server.Address, F.Log, F.Opts);
  RedisClient Plain = unwrap(RedisClient::connect(Server.Address, 5s));
  unwrap(Plain.command({"RPUSH", "clang-dist:list", "a"}, 5s));
  CHECK_FALSE(Store.load("list"));
  CHECK_FALSE(Store.load("list"));
  std::optional<std::string> Notice = Store.takeNotice();
  REQUIRE(Notice);
  CHECK_THAT(*Notice, Contains("the shared cache " + Server.Address.str() +
                               " refuses GET: WRONGTYPE"));
  CHECK_FALSE(Store.takeNotice());

  Store.store("kept", "value");
  unwrap(Plain.command({"CONFIG", "SET", "maxmemory", "1"}, 5s));
  Store.store("abc", "value");
  Store.store("abd", "value");
  Notice = Store.takeNotice();
  REQUIRE(Notice);
  CHECK_THAT(*Notice, Contains("refuses SET: OOM command not allowed"));
  CHECK_FALSE(Store.takeNotice());
  // The connection is fine: reads go on.
  CHECK(Store.load("kept") == "value");
  CHECK_FALSE(Store.load("abc"));
  CHECK(linesWith(F.log(), "refuses") == 2);
}

TEST_CASE("With the farm's secret, values are signed and checked",
          "[SharedStore]") {
  Fixture F;
  RedisServer Server(F.T);
  std::array<uint8_t, 32> Ours{}, Theirs{};
  Ours[0] = 1;
  Theirs[0] = 2;
  SharedStore::Options Signing = F.Opts;
  Signing.SigningKey = Ours;
  SharedStore Team(Server.Address, F.Log, Signing);
  Team.store("k", "the object");
  CHECK(Team.load("k") == std::string("the object"));

  // Neither another secret's store nor one without a secret takes it, and
  // neither deletes it.
  SharedStore::Options Other = F.Opts;
  Other.SigningKey = Theirs;
  SharedStore OtherTeam(Server.Address, F.Log, Other);
  CHECK_FALSE(OtherTeam.load("k"));
  CHECK_THAT(*OtherTeam.takeNotice(), Contains("not signed with this config's "
                                               "secret"));
  SharedStore Unsigned(Server.Address, F.Log, F.Opts);
  CHECK_FALSE(Unsigned.load("k"));
  CHECK_THAT(*Unsigned.takeNotice(),
             Contains("signed with a farm secret, and this config has none"));
  CHECK(Team.load("k") == std::string("the object"));

  // Whoever can write to the Redis but lacks the secret: a plain value, a
  // signed one moved to another key, one changed after its signature.
  RedisClient Writer = unwrap(RedisClient::connect(Server.Address, 5s));
  RedisReply Signed = unwrap(Writer.command({"GET", "clang-dist:k"}, 5s));
  REQUIRE(Signed.Type == RedisReply::Kind::Bulk);
  CHECK(Signed.Text.size() == std::string("the object").size() + 36);
  std::string Changed = Signed.Text;
  Changed.back() ^= 1;
  for (auto [Key, Value] :
       {std::pair<std::string, std::string>{"plain", "a forged object"},
        {"moved", Signed.Text},
        {"changed", Changed}}) {
    CHECK(
        unwrap(Writer.command({"SET", "clang-dist:" + Key, Value}, 5s)).Type ==
        RedisReply::Kind::Status);
    CHECK_FALSE(Team.load(Key));
  }
  // Told once, whatever the number of such values.
  CHECK(*Team.takeNotice() != "");
  CHECK_FALSE(Team.takeNotice());
  CHECK(linesWith(F.log(), "not signed with this config's secret") == 2);
}
