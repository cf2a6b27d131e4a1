//===- Protocol/MetricsEndpoint.cpp - Metrics over HTTP -------------------===//

#include "Protocol/MetricsEndpoint.h"
#include "Support/PrometheusText.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>

using namespace clang::dist;
using boost::asio::ip::tcp;

MetricsRequestAnswer clang::dist::answerMetricsRequest(llvm::StringRef Head) {
  llvm::StringRef Line = Head.split("\r\n").first;
  llvm::SmallVector<llvm::StringRef, 3> Parts;
  Line.split(Parts, ' ');
  if (Parts.size() != 3 || Parts[1].empty() || !Parts[2].startswith("HTTP/1."))
    return {400, false};
  bool Get = Parts[0] == "GET", HeadOnly = Parts[0] == "HEAD";
  // Prometheus may add parameters; none changes what we serve.
  llvm::StringRef Path = Parts[1].split('?').first;
  if (Path != "/metrics")
    return {404, false};
  if (!Get && !HeadOnly)
    return {405, false};
  return {200, Get};
}

namespace {

const char *reason(unsigned Status) {
  switch (Status) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 431:
    return "Request Header Fields Too Large";
  }
  return "Error";
}

} // namespace

class MetricsEndpoint::Session
    : public std::enable_shared_from_this<MetricsEndpoint::Session> {
public:
  Session(tcp::socket S, const Renderer &Render,
          const MetricsEndpointLimits &Limits)
      : Socket(std::move(S)), Timer(Socket.get_executor()), Render(Render),
        Request(Limits.MaxHeadBytes) {
    Timer.expires_after(Limits.Deadline);
  }

  void start() {
    Timer.async_wait([Self = shared_from_this()](boost::system::error_code EC) {
      if (!EC)
        Self->close();
    });
    boost::asio::async_read_until(
        Socket, Request, "\r\n\r\n",
        [Self = shared_from_this()](boost::system::error_code EC, size_t) {
          if (EC == boost::asio::error::not_found)
            return Self->respond({431, false});
          if (EC)
            return Self->close();
          auto Data = Self->Request.data();
          std::string Head(boost::asio::buffers_begin(Data),
                           boost::asio::buffers_end(Data));
          Self->respond(answerMetricsRequest(Head));
        });
  }

  void close() {
    Timer.cancel();
    boost::system::error_code Ignored;
    Socket.close(Ignored);
  }

private:
  void respond(MetricsRequestAnswer A) {
    std::string Body;
    if (A.Status == 200)
      Body = Render();
    else
      Body = llvm::formatv("{0} {1}\n", A.Status, reason(A.Status)).str();
    Response = llvm::formatv("HTTP/1.1 {0} {1}\r\n"
                             "Content-Type: {2}\r\n"
                             "Content-Length: {3}\r\n"
                             "{4}"
                             "Connection: close\r\n\r\n",
                             A.Status, reason(A.Status),
                             A.Status == 200 ? PrometheusContentType.data()
                                             : "text/plain; charset=utf-8",
                             Body.size(),
                             A.Status == 405 ? "Allow: GET, HEAD\r\n" : "")
                   .str();
    if (A.Status != 200 || A.Body)
      Response += Body;
    boost::asio::async_write(
        Socket, boost::asio::buffer(Response),
        [Self = shared_from_this()](boost::system::error_code EC, size_t) {
          if (EC)
            return Self->close();
          boost::system::error_code Ignored;
          Self->Socket.shutdown(tcp::socket::shutdown_send, Ignored);
          Self->drain();
        });
  }

  /// Reads what the client sends until it closes (or the deadline): a close
  /// with unread bytes would reset the connection, and the client could lose
  /// the response (a head too large, a body).
  void drain() {
    Socket.async_read_some(
        boost::asio::buffer(Discard),
        [Self = shared_from_this()](boost::system::error_code EC, size_t) {
          if (EC)
            return Self->close();
          Self->drain();
        });
  }

  tcp::socket Socket;
  boost::asio::steady_timer Timer;
  Renderer Render;
  boost::asio::streambuf Request;
  std::string Response;
  char Discard[512];
};

MetricsEndpoint::MetricsEndpoint(boost::asio::io_context &IO, Renderer Render,
                                 MetricsEndpointLimits Limits)
    : Acceptor(IO), AcceptRetry(IO), Render(std::move(Render)), Limits(Limits) {
}

MetricsEndpoint::~MetricsEndpoint() { stop(); }

llvm::Error MetricsEndpoint::start(int ListenFd) {
  sockaddr_storage Addr;
  socklen_t Len = sizeof(Addr);
  if (::getsockname(ListenFd, reinterpret_cast<sockaddr *>(&Addr), &Len) != 0)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "metrics socket is unusable: %s", std::strerror(errno));
  boost::system::error_code EC;
  Acceptor.assign(Addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), ListenFd,
                  EC);
  if (EC)
    return llvm::createStringError(EC, "metrics socket is unusable: %s",
                                   EC.message().c_str());
  accept();
  return llvm::Error::success();
}

void MetricsEndpoint::stop() {
  boost::system::error_code Ignored;
  Acceptor.close(Ignored);
  AcceptRetry.cancel();
  for (const std::weak_ptr<Session> &W : Sessions)
    if (std::shared_ptr<Session> S = W.lock())
      S->close();
  Sessions.clear();
}

void MetricsEndpoint::accept() {
  Acceptor.async_accept([this](boost::system::error_code EC, tcp::socket S) {
    if (EC == boost::asio::error::operation_aborted || !Acceptor.is_open())
      return;
    if (EC) {
      AcceptRetry.expires_after(std::chrono::milliseconds(100));
      AcceptRetry.async_wait([this](boost::system::error_code EC) {
        if (!EC)
          accept();
      });
      return;
    }
    llvm::erase_if(Sessions,
                   [](const std::weak_ptr<Session> &W) { return W.expired(); });
    if (Sessions.size() >= Limits.MaxConnections) {
      if (std::shared_ptr<Session> Oldest = Sessions.front().lock())
        Oldest->close();
      Sessions.pop_front();
    }
    auto New = std::make_shared<Session>(std::move(S), Render, Limits);
    Sessions.push_back(New);
    New->start();
    accept();
  });
}
