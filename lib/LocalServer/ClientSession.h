//===- LocalServer/ClientSession.h - One client -----------------*- C++ -*-===//
//
// A client sends Hello and SubmitJob back to back and waits for HelloReply
// and JobOutcome (or Hello and StatsRequest, for a StatsReply). The session
// owns nothing of the job; it holds an activity
// token so that the server does not go idle under it. It starts the job
// through a function, not the JobRunner, so that it compiles without the
// runner's headers (the file cache, the slots' connections, clang's lexer).
// Instead of SubmitJob a client may send StatusRequest (answered with a
// ServerStatus, then the next request is read) or StopServer; such a session
// lets go of its token, so that a monitor keeps no server from going idle.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_CLIENTSESSION_H
#define CLANG_DIST_LOCALSERVER_CLIENTSESSION_H

#include "Protocol/AsyncFrame.h"
#include "Protocol/Messages.h"
#include "Support/Log.h"
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

namespace clang::dist {

class ClientSession : public std::enable_shared_from_this<ClientSession> {
public:
  using Socket = boost::asio::local::stream_protocol::socket;
  /// Cancels the job it was returned for (JobRunner::CancelFn).
  using CancelFn = std::function<void()>;
  /// Starts a job that calls its second argument when done (JobRunner::run).
  using RunFn =
      std::function<CancelFn(SubmitJob, std::function<void(JobOutcome)>)>;
  /// Answers a StatsRequest.
  using StatsFn = std::function<StatsReply(const StatsRequest &)>;
  struct Handlers {
    RunFn Run;
    StatsFn Stats;
    std::function<ServerStatus()> Status;
    /// Called once the StopServerReply is written.
    std::function<void()> Stop;
  };

  ClientSession(Socket S, Handlers Handle, Logger &Log,
                std::shared_ptr<void> ActivityToken);
  /// With a \p Refusal, refuses the client's Hello for that reason.
  void start(std::string Refusal = "");

private:
  void readRequest();
  void runJob(llvm::Expected<SubmitJob> Job);
  void sendStats(llvm::Expected<StatsRequest> Ask);
  void sendStatus();
  void stop();
  void watchClient();
  void finish(const JobOutcome &Outcome);
  void drop(const llvm::Twine &Why);

  Socket S;
  std::shared_ptr<FrameWriteQueue<Socket>> Writer;
  boost::asio::steady_timer Timer;
  Handlers Handle;
  Logger &Log;
  std::shared_ptr<void> ActivityToken;
  /// Cancels the job while it runs; empty before and after.
  CancelFn Cancel;
};

} // namespace clang::dist

#endif
