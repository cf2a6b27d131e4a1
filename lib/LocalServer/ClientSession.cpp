//===- LocalServer/ClientSession.cpp - One clang-dist client's connection -===//

#include "LocalServer/ClientSession.h"
#include "clang/Basic/Version.h"
#include "llvm/Support/FormatVariadic.h"

using namespace clang::dist;

namespace {
/// A client writes its request right after connecting.
constexpr std::chrono::seconds RequestTimeout(30);
} // namespace

ClientSession::ClientSession(Socket S, JobRunner &Runner, Logger &Log,
                             std::shared_ptr<void> ActivityToken)
    : S(std::move(S)),
      Writer(std::make_shared<FrameWriteQueue<Socket>>(this->S)),
      Timer(this->S.get_executor()), Runner(Runner), Log(Log),
      ActivityToken(std::move(ActivityToken)) {}

void ClientSession::start() {
  Timer.expires_after(RequestTimeout);
  Timer.async_wait([Self = shared_from_this()](boost::system::error_code EC) {
    if (!EC)
      Self->drop("no request within " + llvm::Twine(RequestTimeout.count()) +
                 "s");
  });
  asyncReadFrame(S, [Self = shared_from_this()](llvm::Expected<Frame> F) {
    if (!F)
      return Self->drop(llvm::toString(F.takeError()));
    if (F->Type != MessageType::Hello)
      return Self->drop(
          llvm::toString(unexpectedFrame(MessageType::Hello, F->Type)));
    llvm::Expected<Hello> H = decodeHello(F->Payload);
    if (!H)
      return Self->drop(llvm::toString(H.takeError()));
    HelloReply Reply;
    Reply.ClangVersion = clang::getClangFullVersion();
    if (H->Version != ProtocolVersion || H->ClangVersion != Reply.ClangVersion)
      Reply.Reason = llvm::formatv("client speaks protocol {0} with '{1}', "
                                   "server speaks protocol {2} with '{3}'",
                                   H->Version, H->ClangVersion, ProtocolVersion,
                                   Reply.ClangVersion);
    Reply.Accepted = Reply.Reason.empty();
    Self->Writer->push(Reply);
    if (!Reply.Accepted) {
      Self->Log.log("refused a client: " + Reply.Reason);
      return Self->Writer->whenIdle([Self] { Self->drop(""); });
    }
    Self->readJob();
  });
}

void ClientSession::readJob() {
  asyncReadFrame(S, [Self = shared_from_this()](llvm::Expected<Frame> F) {
    Self->Timer.cancel();
    if (!F)
      return Self->drop(llvm::toString(F.takeError()));
    if (F->Type != MessageType::SubmitJob)
      return Self->drop(
          llvm::toString(unexpectedFrame(MessageType::SubmitJob, F->Type)));
    llvm::Expected<SubmitJob> Job = decodeSubmitJob(F->Payload);
    if (!Job)
      return Self->drop(llvm::toString(Job.takeError()));
    Self->Cancel = Self->Runner.run(
        std::move(*Job), [Self](JobOutcome Outcome) { Self->finish(Outcome); });
    Self->watchClient();
  });
}

void ClientSession::watchClient() {
  // The client sends nothing more; end of stream means it was killed (make
  // interrupted, Ctrl-C) and its job must leave nothing behind.
  asyncReadFrame(S, [Self = shared_from_this()](llvm::Expected<Frame> F) {
    std::string Why =
        F ? "unexpected frame after the job" : llvm::toString(F.takeError());
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
  if (!Reason.empty() && Reason != "connection closed by peer")
    Log.log("client connection dropped: " + Reason);
  Timer.cancel();
  boost::system::error_code Ignored;
  S.close(Ignored);
}
