//===- unittests/Protocol/MetricsEndpointTest.cpp - Metrics over HTTP -----===//
//
// What each request gets, and the endpoint on a loopback port: a scrape, a
// head past the limit, a client that sends nothing, one too many clients.
//
//===----------------------------------------------------------------------===//

#include "Protocol/MetricsEndpoint.h"
#include "ExpectedMatchers.h"
#include "Loopback.h"
#include "Support/TcpListen.h"
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace clang::dist;
using namespace clang::dist::test;
using namespace std::chrono_literals;

TEST_CASE("Only GET and HEAD of /metrics are served", "[MetricsEndpoint]") {
  auto Status = [](llvm::StringRef Head) {
    return answerMetricsRequest(Head).Status;
  };
  CHECK(Status("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") == 200);
  CHECK(answerMetricsRequest("GET /metrics HTTP/1.1\r\n\r\n").Body);
  CHECK(Status("GET /metrics?name[]=x HTTP/1.0\r\n\r\n") == 200);
  CHECK(Status("HEAD /metrics HTTP/1.1\r\n\r\n") == 200);
  CHECK_FALSE(answerMetricsRequest("HEAD /metrics HTTP/1.1\r\n\r\n").Body);
  CHECK(Status("POST /metrics HTTP/1.1\r\n\r\n") == 405);
  CHECK(Status("GET / HTTP/1.1\r\n\r\n") == 404);
  CHECK(Status("GET /metrics/../x HTTP/1.1\r\n\r\n") == 404);
  CHECK(Status("GET /metrics\r\n\r\n") == 400);
  CHECK(Status("GET  /metrics HTTP/1.1\r\n\r\n") == 400);
  CHECK(Status("\x16\x03\x01 garbage\r\n\r\n") == 400);
  CHECK(Status("GET /metrics SMTP/1.1\r\n\r\n") == 400);
}

namespace {

int connectTo(uint16_t Port) {
  int Fd = connectToLoopback(Port);
  timeval Limit{10, 0};
  ::setsockopt(Fd, SOL_SOCKET, SO_RCVTIMEO, &Limit, sizeof(Limit));
  return Fd;
}

/// Sends \p Request and reads until the endpoint closes.
std::string exchange(int Fd, llvm::StringRef Request) {
  if (!Request.empty())
    REQUIRE(::send(Fd, Request.data(), Request.size(), MSG_NOSIGNAL) ==
            ssize_t(Request.size()));
  std::string Got;
  char Buf[4096];
  ssize_t N;
  while ((N = ::read(Fd, Buf, sizeof(Buf))) > 0)
    Got.append(Buf, N);
  ::close(Fd);
  return Got;
}

/// An endpoint on its own io thread.
struct Running {
  boost::asio::io_context IO;
  MetricsEndpoint Endpoint;
  uint16_t Port = 0;
  std::thread Thread;

  explicit Running(MetricsEndpointLimits Limits)
      : Endpoint(
            IO, [] { return std::string("x_total 1\n"); }, Limits) {
    REQUIRE(!llvm::errorToBool(
        Endpoint.start(unwrap(listenTcp("127.0.0.1", 0, Port)))));
    Thread = std::thread([this] { IO.run(); });
  }
  ~Running() {
    boost::asio::post(IO, [this] {
      Endpoint.stop();
      IO.stop();
    });
    Thread.join();
  }
};

const char Scrape[] = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";

} // namespace

TEST_CASE("A scrape gets the text, and the connection closes",
          "[MetricsEndpoint]") {
  Running R({});
  std::string Got = exchange(connectTo(R.Port), Scrape);
  CHECK(Got == "HTTP/1.1 200 OK\r\n"
               "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
               "Content-Length: 10\r\n"
               "Connection: close\r\n\r\n"
               "x_total 1\n");
  CHECK(llvm::StringRef(
            exchange(connectTo(R.Port), "DELETE /metrics HTTP/1.1\r\n\r\n"))
            .startswith("HTTP/1.1 405 Method Not Allowed\r\n"));
}

TEST_CASE("A head past the limit gets 431", "[MetricsEndpoint]") {
  MetricsEndpointLimits Limits;
  Limits.MaxHeadBytes = 256;
  Running R(Limits);
  std::string Big = "GET /metrics HTTP/1.1\r\nX: " + std::string(300, 'a');
  CHECK(llvm::StringRef(exchange(connectTo(R.Port), Big))
            .startswith("HTTP/1.1 431 "));
  CHECK(llvm::StringRef(exchange(connectTo(R.Port), Scrape))
            .startswith("HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("A client that sends nothing is dropped at the deadline",
          "[MetricsEndpoint]") {
  MetricsEndpointLimits Limits;
  Limits.Deadline = 200ms;
  Running R(Limits);
  auto Start = std::chrono::steady_clock::now();
  CHECK(exchange(connectTo(R.Port), "GET /metr").empty());
  CHECK(std::chrono::steady_clock::now() - Start >= 200ms);
}

TEST_CASE("One client too many drops the oldest", "[MetricsEndpoint]") {
  MetricsEndpointLimits Limits;
  Limits.MaxConnections = 2;
  Running R(Limits);
  int Silent = connectTo(R.Port);
  int Second = connectTo(R.Port);
  // Accepted in order: a scrape on each waits for its answer.
  CHECK(llvm::StringRef(exchange(connectTo(R.Port), Scrape))
            .startswith("HTTP/1.1 200 OK\r\n"));
  CHECK(exchange(Silent, "").empty());
  ::close(Second);
}
