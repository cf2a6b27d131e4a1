//===- Protocol/MetricsEndpoint.h - Metrics over HTTP -----------*- C++ -*-===//
//
// The smallest HTTP/1.1 server Prometheus can scrape: GET /metrics answers
// 200 with the text a callback renders (PrometheusText.h), anything else 404
// or 405, a request that is no HTTP 400, and every response closes its
// connection. It faces whoever can reach its port, so it holds little for
// them: a request's head is at most 8 KiB, it must arrive within a few
// seconds, and at most a few connections are open at once (a new one drops
// the oldest: a scrape takes milliseconds, so the oldest is the one that
// sends nothing). Nothing a request says is read but its first line.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_PROTOCOL_METRICSENDPOINT_H
#define CLANG_DIST_PROTOCOL_METRICSENDPOINT_H

#include "llvm/Support/Error.h"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace clang::dist {

struct MetricsEndpointLimits {
  /// A request line and headers longer than this get 431.
  size_t MaxHeadBytes = 8192;
  /// A request that has not arrived, or a response not taken, within this
  /// closes its connection.
  std::chrono::milliseconds Deadline{5000};
  unsigned MaxConnections = 8;
};

/// The status line and headers of the answer to a request whose head is
/// \p Head (its request line first), and whether a body follows: 200 for
/// GET /metrics (HEAD too, with no body), 404, 405 or 400. Apart for tests.
struct MetricsRequestAnswer {
  unsigned Status;
  bool Body;
};
MetricsRequestAnswer answerMetricsRequest(llvm::StringRef Head);

class MetricsEndpoint {
public:
  /// The text of GET /metrics, rendered for each request.
  using Renderer = std::function<std::string()>;

  /// Serves on \p IO's thread once started.
  MetricsEndpoint(boost::asio::io_context &IO, Renderer Render,
                  MetricsEndpointLimits Limits = {});
  ~MetricsEndpoint();

  /// Serves on \p ListenFd, a listening TCP socket (which it then owns).
  llvm::Error start(int ListenFd);
  /// Closes the socket and every connection.
  void stop();

  class Session;

private:
  void accept();

  boost::asio::ip::tcp::acceptor Acceptor;
  /// After a failed accept (out of descriptors: the local server's clients
  /// may hold them all), the next waits a little instead of spinning.
  boost::asio::steady_timer AcceptRetry;
  Renderer Render;
  MetricsEndpointLimits Limits;
  /// Open connections, the oldest first.
  std::deque<std::weak_ptr<Session>> Sessions;
};

} // namespace clang::dist

#endif
