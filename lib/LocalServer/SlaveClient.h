//===- LocalServer/SlaveClient.h - The server's link to one slave slot -*- C++
//-*-===//
//
// Keeps one connection to a slot open across jobs (connect and handshake once
// per build, not per job) and runs one job at a time on it. A slow compile is
// told from a dead peer by heartbeats: the slave speaks at least every second
// while it owes a result, and silence longer than the heartbeat timeout fails
// the job.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_SLAVECLIENT_H
#define CLANG_DIST_LOCALSERVER_SLAVECLIENT_H

#include "Config/Config.h"
#include "Protocol/Messages.h"
#include "llvm/Support/Error.h"
#include <boost/asio.hpp>
#include <functional>
#include <memory>

namespace clang::dist {

class SlaveClient {
public:
  using DoneFn = std::function<void(llvm::Expected<CompileResult>)>;

  SlaveClient(boost::asio::io_context &IO, SlaveEndpoint Endpoint,
              const DistConfig &Config);
  ~SlaveClient();

  const SlaveEndpoint &endpoint() const { return Endpoint; }

  /// Sends \p JobFrame (an encoded CompileJob frame) and calls \p Done once
  /// with the result or with an error that says what failed. On error the
  /// connection is dropped; the next job reconnects.
  void run(std::shared_ptr<const std::string> JobFrame, uint64_t JobId,
           DoneFn Done);

private:
  struct Attempt;
  void connect(std::shared_ptr<Attempt> A);
  void handshake(std::shared_ptr<Attempt> A);
  void send(std::shared_ptr<Attempt> A);
  void awaitResult(std::shared_ptr<Attempt> A);
  void armTimer(std::shared_ptr<Attempt> A, std::chrono::milliseconds After,
                const char *What);
  void fail(std::shared_ptr<Attempt> A, llvm::Error E);

  boost::asio::io_context &IO;
  SlaveEndpoint Endpoint;
  const DistConfig &Config;
  std::unique_ptr<boost::asio::ip::tcp::socket> Socket;
  boost::asio::ip::tcp::resolver Resolver;
  boost::asio::steady_timer Timer;
  bool Connected = false;
};

} // namespace clang::dist

#endif
