//===- LocalServer/ClientSession.cpp - One clang-dist client's connection -===//

#include "LocalServer/ClientSession.h"
#include "clang/Basic/Version.h"

using namespace clang::dist;

namespace {
/// A client writes its request right after connecting.
constexpr std::chrono::seconds RequestTimeout(30);
} // namespace

ClientSession::ClientSession(Socket S, Handlers Handle, Logger &Log,
                             std::shared_ptr<void> ActivityToken)
    : S(std::move(S)),
      Writer(std::make_shared<FrameWriteQueue<Socket>>(this->S)),
      Timer(this->S.get_executor()), Handle(std::move(Handle)), Log(Log),
      ActivityToken(std::move(ActivityToken)) {}

void ClientSession::start(std::string Refusal) {
  Timer.expires_after(RequestTimeout);
  Timer.async_wait([Self = shared_from_this()](boost::system::error_code EC) {
    if (!EC)
      Self->drop("no request within " + llvm::Twine(RequestTimeout.count()) +
                 "s");
  });
  asyncReadMessage<Hello>(
      S, [Self = shared_from_this(),
          Refusal = std::move(Refusal)](llvm::Expected<Hello> H) {
        if (!H)
          return Self->drop(describeUnlessClosed(H.takeError()));
        HelloReply Reply;
        Reply.ClangVersion = clang::getClangFullVersion();
        Reply.Reason = whyRefuseHello(*H, Reply.ClangVersion, "this server");
        if (Reply.Reason.empty())
          Reply.Reason = Refusal;
        Reply.Accepted = Reply.Reason.empty();
        Self->Writer->push(Reply);
        if (!Reply.Accepted) {
          Self->Log.log("refused a client: " + Reply.Reason);
          return Self->Writer->whenIdle([Self] { Self->drop(""); });
        }
        Self->readRequest();
      });
}

void ClientSession::readRequest() {
  asyncReadFrame(S,
                 {MessageType::SubmitJob, MessageType::StatsRequest,
                  MessageType::StatusRequest, MessageType::StopServer},
                 [Self = shared_from_this()](llvm::Expected<Frame> F) {
                   Self->Timer.cancel();
                   if (!F)
                     return Self->drop(describeUnlessClosed(F.takeError()));
                   if (F->Type == MessageType::SubmitJob)
                     return Self->runJob(decodeSubmitJob(F->Payload));
                   if (F->Type == MessageType::StatsRequest)
                     return Self->sendStats(decodeStatsRequest(F->Payload));
                   // Not a job: neither this connection nor those to come keep
                   // the server from going idle.
                   Self->ActivityToken.reset();
                   if (F->Type == MessageType::StatusRequest) {
                     if (llvm::Error E =
                             decodeStatusRequest(F->Payload).takeError())
                       return Self->drop(llvm::toString(std::move(E)));
                     return Self->sendStatus();
                   }
                   if (llvm::Error E = decodeStopServer(F->Payload).takeError())
                     return Self->drop(llvm::toString(std::move(E)));
                   Self->stop();
                 });
}

void ClientSession::runJob(llvm::Expected<SubmitJob> Job) {
  if (!Job)
    return drop(llvm::toString(Job.takeError()));
  Cancel = Handle.Run(std::move(*Job),
                      [Self = shared_from_this()](JobOutcome Outcome) {
                        Self->finish(Outcome);
                      });
  watchClient();
}

void ClientSession::sendStats(llvm::Expected<StatsRequest> Ask) {
  if (!Ask)
    return drop(llvm::toString(Ask.takeError()));
  Writer->push(Handle.Stats(*Ask));
  Writer->whenIdle([Self = shared_from_this()] { Self->drop(""); });
}

void ClientSession::sendStatus() {
  Writer->push(Handle.Status());
  // The next request is read once this reply is written: a client that asks
  // and never reads holds one reply of the server's memory, not one per
  // request (a queue of a GB in seconds).
  Writer->whenIdle([Self = shared_from_this()] {
    if (!Self->S.is_open())
      return;
    asyncReadMessage<StatusRequest>(
        Self->S, [Self](llvm::Expected<StatusRequest> Next) {
          if (!Next)
            return Self->drop(describeUnlessClosed(Next.takeError()));
          Self->sendStatus();
        });
  });
}

void ClientSession::stop() {
  StopServerReply Reply;
  Reply.JobsInFlight = Handle.Status().JobsInFlight;
  Writer->push(Reply);
  // The client learns the server stops before it does; the server exits,
  // and the connection closes, once its jobs in flight are done.
  Writer->whenIdle([Self = shared_from_this()] { Self->Handle.Stop(); });
}

void ClientSession::watchClient() {
  // The client sends nothing more; end of stream means it was killed (make
  // interrupted, Ctrl-C) and its job must leave nothing behind.
  asyncReadFrame(S, [Self = shared_from_this()](llvm::Expected<Frame> F) {
    std::string Why = F ? "unexpected frame after the job"
                        : describeUnlessClosed(F.takeError());
    if (Self->Cancel)
      std::exchange(Self->Cancel, nullptr)();
    Self->drop(Why);
  });
}

void ClientSession::finish(const JobOutcome &Outcome) {
  Cancel = nullptr;
  Writer->push(Outcome);
  Writer->whenIdle([Self = shared_from_this()] { Self->drop(""); });
}

void ClientSession::drop(const llvm::Twine &Why) {
  // Handlers still in flight when the socket closes end up here again.
  if (!S.is_open())
    return;
  std::string Reason = Why.str();
  if (!Reason.empty())
    Log.log("client connection dropped: " + Reason);
  Timer.cancel();
  boost::system::error_code Ignored;
  S.close(Ignored);
}
