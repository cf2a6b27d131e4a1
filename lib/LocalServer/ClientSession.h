//===- LocalServer/ClientSession.h - One client -----------------*- C++ -*-===//
//
// A client sends Hello and SubmitJob back to back and waits for HelloReply
// and JobOutcome (or Hello and StatsRequest, for a StatsReply). The session owns nothing of the job; it holds an activity
// token so that the server does not go idle under it. It starts the job
// through a function, not the JobRunner, so that it compiles without the
// runner's headers (the file cache, the slots' connections, clang's lexer).
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

  ClientSession(Socket S, RunFn Run, StatsFn Stats, Logger &Log,
                std::shared_ptr<void> ActivityToken);
  void start();

private:
  void readRequest();
  void startJob(SubmitJob Job);
  void watchClient();
  void finish(const JobOutcome &Outcome);
  void drop(const llvm::Twine &Why);

  Socket S;
  std::shared_ptr<FrameWriteQueue<Socket>> Writer;
  boost::asio::steady_timer Timer;
  RunFn Run;
  StatsFn Stats;
  Logger &Log;
  std::shared_ptr<void> ActivityToken;
  /// Cancels the job while it runs; empty before and after.
  CancelFn Cancel;
};

} // namespace clang::dist

#endif
