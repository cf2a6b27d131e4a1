//===- unittests/Tls/LinkStreamTest.cpp - TLS links over loopback ---------===//

#include "Tls/LinkStream.h"
#include "ExpectedMatchers.h"
#include "Protocol/AsyncFrame.h"
#include "Protocol/Messages.h"
#include "llvm/Support/FileSystem.h"
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <optional>
#include <sys/stat.h>

using namespace clang::dist;
using namespace clang::dist::test;
using boost::asio::ip::tcp;
using Role = SharedSecret::Role;

namespace {

SharedSecret secret(const std::string &Text) {
  llvm::SmallString<128> Dir;
  REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("tls-test", Dir));
  std::string Path = (Dir + "/secret").str();
  std::ofstream(Path) << Text;
  REQUIRE(::chmod(Path.c_str(), 0600) == 0);
  SharedSecret S = unwrap(SharedSecret::load(Path));
  llvm::sys::fs::remove_directories(Dir);
  return S;
}

/// Both ends of one TCP connection over loopback, each a LinkStream.
struct Pair {
  boost::asio::io_context IO;
  std::optional<LinkStream> Server, Worker;
  Pair() {
    tcp::acceptor Acceptor(IO, tcp::endpoint(tcp::v4(), 0));
    tcp::socket Client(IO);
    Client.connect(tcp::endpoint(boost::asio::ip::address_v4::loopback(),
                                 Acceptor.local_endpoint().port()));
    Server.emplace(std::move(Client));
    Worker.emplace(Acceptor.accept());
  }
};

/// Runs both ends' TLS handshakes; their outcomes.
std::pair<llvm::Error, llvm::Error> handshake(Pair &P, TlsContext &ServerSide,
                                              TlsContext &WorkerSide) {
  std::optional<llvm::Error> S, W;
  P.Server->handshake(ServerSide, [&](llvm::Error E) {
    S.emplace(std::move(E));
    // A failed end closes, as SlotClient and Connection do.
    if (*S)
      P.Server->close();
  });
  P.Worker->handshake(WorkerSide, [&](llvm::Error E) {
    W.emplace(std::move(E));
    if (*W)
      P.Worker->close();
  });
  P.IO.run_for(std::chrono::seconds(30));
  REQUIRE(S);
  REQUIRE(W);
  return {std::move(*S), std::move(*W)};
}

/// "" for success, else the error's text.
std::string failure(llvm::Error E) {
  return E ? llvm::toString(std::move(E)) : "";
}

TlsError::Kind kindOf(llvm::Error E) {
  std::optional<TlsError::Kind> K;
  llvm::handleAllErrors(
      std::move(E), [&](const TlsError &T) { K = T.kind(); },
      [&](const llvm::ErrorInfoBase &Other) {
        FAIL("not a TlsError: " << Other.message());
      });
  REQUIRE(K);
  return *K;
}

} // namespace

TEST_CASE("Ends with the same secret talk frames over TLS", "[LinkStream]") {
  SharedSecret S = secret("farm secret");
  auto ServerSide = TlsContext::create(Role::Server, S);
  auto WorkerSide = TlsContext::create(Role::Worker, S);
  Pair P;
  auto [ServerEnd, WorkerEnd] = handshake(P, *ServerSide, *WorkerSide);
  REQUIRE(failure(std::move(ServerEnd)) == "");
  REQUIRE(failure(std::move(WorkerEnd)) == "");
  CHECK(P.Server->encrypted());
  CHECK(P.Worker->encrypted());

  Hello H;
  H.Peer = "a local server";
  auto Writer = std::make_shared<FrameWriteQueue<LinkStream>>(*P.Server);
  Writer->push(H);
  std::optional<llvm::Expected<Hello>> Got;
  asyncReadMessage<Hello>(
      *P.Worker, [&](llvm::Expected<Hello> M) { Got.emplace(std::move(M)); });
  P.IO.restart();
  P.IO.run_for(std::chrono::seconds(30));
  REQUIRE(Got);
  CHECK(unwrap(std::move(*Got)).Peer == "a local server");
}

TEST_CASE("Ends with different secrets fail the handshake as a wrong key",
          "[LinkStream]") {
  auto ServerSide = TlsContext::create(Role::Server, secret("one"));
  auto WorkerSide = TlsContext::create(Role::Worker, secret("another"));
  Pair P;
  auto [ServerEnd, WorkerEnd] = handshake(P, *ServerSide, *WorkerSide);
  CHECK(kindOf(std::move(ServerEnd)) == TlsError::WrongKey);
  CHECK(kindOf(std::move(WorkerEnd)) == TlsError::WrongKey);
}

TEST_CASE("A record changed on the way fails the read as TLS", "[LinkStream]") {
  SharedSecret S = secret("farm secret");
  auto ServerSide = TlsContext::create(Role::Server, S);
  auto WorkerSide = TlsContext::create(Role::Worker, S);
  Pair P;
  auto [ServerEnd, WorkerEnd] = handshake(P, *ServerSide, *WorkerSide);
  REQUIRE(failure(std::move(ServerEnd)) == "");
  REQUIRE(failure(std::move(WorkerEnd)) == "");
  // A TLS record of application data whose ciphertext is not the key's.
  std::string Forged("\x17\x03\x03\x00\x20", 5);
  Forged.append(32, 'x');
  P.Server->socket().write_some(boost::asio::buffer(Forged));
  std::optional<llvm::Expected<Frame>> Got;
  asyncReadFrame(*P.Worker,
                 [&](llvm::Expected<Frame> F) { Got.emplace(std::move(F)); });
  P.IO.restart();
  P.IO.run_for(std::chrono::seconds(30));
  REQUIRE(Got);
  REQUIRE_FALSE(static_cast<bool>(*Got));
  CHECK(kindOf(Got->takeError()) == TlsError::Failed);
}
