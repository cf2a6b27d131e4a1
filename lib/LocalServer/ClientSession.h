//===- LocalServer/ClientSession.h - One client -----------------*- C++ -*-===//
//
// A client sends Hello and SubmitJob back to back and waits for HelloReply
// and JobOutcome. The session owns nothing of the job; it holds an activity
// token so that the server does not go idle under it.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_CLIENTSESSION_H
#define CLANG_DIST_LOCALSERVER_CLIENTSESSION_H

#include "LocalServer/JobRunner.h"
#include "Protocol/AsyncFrame.h"
#include <boost/asio.hpp>
#include <memory>

namespace clang::dist {

class ClientSession : public std::enable_shared_from_this<ClientSession> {
public:
  using Socket = boost::asio::local::stream_protocol::socket;

  ClientSession(Socket S, JobRunner &Runner, Logger &Log,
                std::shared_ptr<void> ActivityToken);
  void start();

private:
  void readJob();
  void watchClient();
  void finish(const JobOutcome &Outcome);
  void drop(const llvm::Twine &Why);

  Socket S;
  std::shared_ptr<FrameWriteQueue<Socket>> Writer;
  boost::asio::steady_timer Timer;
  JobRunner &Runner;
  Logger &Log;
  std::shared_ptr<void> ActivityToken;
  /// Cancels the job while it runs; empty before and after.
  JobRunner::CancelFn Cancel;
};

} // namespace clang::dist

#endif
