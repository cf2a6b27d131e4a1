//===- LocalServer/SlotClient.cpp - The server's link to one slot ---------===//

#include "LocalServer/SlotClient.h"
#include "Protocol/AsyncFrame.h"
#include "clang/Basic/Version.h"
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <cassert>
#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

using namespace clang::dist;

char SlotFailure::ID;
char SlotBusyError::ID;

/// Whose jobs the workers share their slots by (Hello::User):
/// $CLANG_DIST_USER, else the login name of the server's user.
static std::string userName() {
  if (const char *Env = ::getenv("CLANG_DIST_USER"); Env && *Env)
    return llvm::StringRef(Env).take_front(MaxUserName).str();
  if (const passwd *Entry = ::getpwuid(::getuid()))
    return llvm::StringRef(Entry->pw_name).take_front(MaxUserName).str();
  return "uid " + std::to_string(::getuid());
}

FallbackCause clang::dist::fallbackCause(SlotFailure::Kind K) {
  switch (K) {
  case SlotFailure::Unreachable:
    return FallbackCause::Unreachable;
  case SlotFailure::TimedOut:
  case SlotFailure::Silent:
    return FallbackCause::TimedOut;
  case SlotFailure::Refused:
    return FallbackCause::HandshakeRefused;
  case SlotFailure::VersionMismatch:
    return FallbackCause::VersionMismatch;
  case SlotFailure::WrongSecret:
    return FallbackCause::WrongSecret;
  case SlotFailure::Lost:
    return FallbackCause::SlotLost;
  case SlotFailure::Garbage:
    return FallbackCause::ProtocolError;
  }
  return FallbackCause::Unreachable;
}
using boost::asio::ip::tcp;

static llvm::Error wrongJob(uint64_t Got, uint64_t Expected) {
  return protocolError("answer for job " + llvm::Twine(Got) +
                       ", expected job " + llvm::Twine(Expected));
}

/// One job's passage through the connection, or a probe's (no JobFrame) until
/// a job takes it over. Handlers hold it; Done runs once.
struct SlotClient::Attempt {
  std::shared_ptr<const std::string> JobFrame;
  uint64_t JobId;
  DoneFn Done;
  /// Set when the timer closed the socket, to say so instead of "aborted".
  const char *TimedOut = nullptr;
  /// Sent on a connection kept from an earlier job.
  bool Reused = false;
  /// The worker sent something for this job.
  bool HeardFrom = false;
  /// The job frame went out: failures from now on are the job's slot's.
  bool Sent = false;
  /// What arrived was not a valid answer.
  bool Garbage = false;
  /// Why the handshake failed, when the worker said why.
  std::optional<SlotFailure::Kind> Refusal;
  /// Handlers of a finished attempt (completions of a closed socket) do
  /// nothing.
  bool Finished = false;
};

SlotClient::SlotClient(boost::asio::io_context &IO, SlotAddress Endpoint,
                       const DistConfig &Config,
                       const std::optional<SharedSecret> &Secret,
                       TlsContext *Tls, SlotQuestions *Questions)
    : IO(IO), Endpoint(std::move(Endpoint)), Config(Config), Secret(Secret),
      Tls(Tls), Resolver(IO), Timer(IO), Questions(Questions) {}

SlotClient::~SlotClient() = default;

void SlotClient::run(std::shared_ptr<const std::string> JobFrame,
                     uint64_t JobId, DoneFn Done) {
  Offered = false;
  if (Connecting) {
    assert(!Connecting->JobFrame && "a job is connecting already");
    Connecting->JobFrame = std::move(JobFrame);
    Connecting->JobId = JobId;
    Connecting->Done = std::move(Done);
    return;
  }
  auto A = std::make_shared<Attempt>();
  A->JobFrame = std::move(JobFrame);
  A->JobId = JobId;
  A->Done = std::move(Done);
  A->Reused = Connected;
  if (Connected)
    return send(A);
  connect(A);
}

void SlotClient::probe(DoneFn Failed) {
  if (Connected || Connecting)
    return;
  auto A = std::make_shared<Attempt>();
  A->Done = std::move(Failed);
  connect(A);
}

void SlotClient::armTimer(std::shared_ptr<Attempt> A,
                          std::chrono::milliseconds After, const char *What) {
  Timer.expires_after(After);
  Timer.async_wait([this, A, What](boost::system::error_code EC) {
    if (EC || A->Finished)
      return;
    A->TimedOut = What;
    Resolver.cancel();
    if (Link)
      Link->close();
  });
}

void SlotClient::fail(std::shared_ptr<Attempt> A, llvm::Error E) {
  if (A->Finished)
    return llvm::consumeError(std::move(E));
  A->Finished = true;
  Timer.cancel();
  Connected = false;
  if (Connecting == A)
    Connecting.reset();
  if (Link)
    Link->close();
  // A slot process that was restarted (after a crash) closed the connection
  // we kept; that is no failure of the worker. Connect again, once.
  if (A->Reused && !A->HeardFrom && !A->TimedOut && !A->Garbage) {
    llvm::consumeError(std::move(E));
    auto Fresh = std::make_shared<Attempt>();
    Fresh->JobFrame = std::move(A->JobFrame);
    Fresh->JobId = A->JobId;
    Fresh->Done = std::move(A->Done);
    return connect(Fresh);
  }
  std::string Message =
      A->TimedOut ? std::string(A->TimedOut) : llvm::toString(std::move(E));
  if (A->TimedOut)
    llvm::consumeError(std::move(E));
  SlotFailure::Kind Kind = A->Refusal    ? *A->Refusal
                           : !A->Sent    ? (A->TimedOut ? SlotFailure::TimedOut
                                                        : SlotFailure::Unreachable)
                           : A->TimedOut ? SlotFailure::Silent
                           : A->Garbage  ? SlotFailure::Garbage
                                         : SlotFailure::Lost;
  A->Done(llvm::make_error<SlotFailure>(Kind, std::move(Message)));
}

void SlotClient::failGarbage(std::shared_ptr<Attempt> A, llvm::Error E) {
  A->Garbage = true;
  fail(std::move(A), std::move(E));
}

void SlotClient::connect(std::shared_ptr<Attempt> A) {
  Connecting = A;
  Link = std::make_unique<LinkStream>(tcp::socket(IO));
  // The worker keeps the answers it had with the connection.
  Told = 0;
  armTimer(A, Config.ConnectTimeout, "timed out connecting");
  Resolver.async_resolve(
      Endpoint.Host, std::to_string(Endpoint.Port),
      [this, A](boost::system::error_code EC, tcp::resolver::results_type R) {
        if (EC)
          return fail(A, llvm::createStringError(
                             std::make_error_code(std::errc::host_unreachable),
                             "cannot resolve '%s': %s", Endpoint.Host.c_str(),
                             EC.message().c_str()));
        boost::asio::async_connect(
            Link->socket(), R,
            [this, A](boost::system::error_code EC, const tcp::endpoint &) {
              if (EC)
                return fail(
                    A, llvm::createStringError(
                           std::make_error_code(std::errc::connection_refused),
                           "cannot connect: %s", EC.message().c_str()));
              Link->socket().set_option(tcp::no_delay(true));
              secure(A);
            });
      });
}

void SlotClient::secure(std::shared_ptr<Attempt> A) {
  boost::system::error_code EC;
  tcp::endpoint Peer = Link->socket().remote_endpoint(EC);
  bool OffMachine = EC || !Peer.address().is_loopback();
  if (!Tls || !(OffMachine || Config.TlsOnLoopback))
    return handshake(A);
  Link->handshake(*Tls, [this, A](llvm::Error E) {
    if (!E)
      return handshake(A);
    // A wrong key is the secret's fault; any other TLS failure is a
    // refusal (a worker that does not speak TLS, a peer in between).
    llvm::handleAllErrors(
        std::move(E),
        [&](std::unique_ptr<TlsError> T) {
          if (T->kind() != TlsError::WrongKey) {
            A->Refusal = SlotFailure::Refused;
            return fail(A, llvm::Error(std::move(T)));
          }
          A->Refusal = SlotFailure::WrongSecret;
          fail(A, llvm::createStringError(
                      std::make_error_code(std::errc::permission_denied),
                      "worker's TLS key is not ours (a worker with another "
                      "secret?): %s",
                      T->message().c_str()));
        },
        [&](std::unique_ptr<llvm::ErrorInfoBase> Other) {
          fail(A, llvm::Error(std::move(Other)));
        });
  });
}

void SlotClient::handshake(std::shared_ptr<Attempt> A) {
  Hello H;
  H.ClangVersion = clang::getClangFullVersion();
  H.Peer = "clang-dist local server";
  static const std::string User = userName();
  H.User = User;
  H.Challenge = freshNonce();
  auto Bytes = std::make_shared<std::string>(encodeFrame(H));
  boost::asio::async_write(
      *Link, boost::asio::buffer(*Bytes),
      [this, A, Bytes, Ours = H.Challenge](boost::system::error_code EC,
                                           size_t) {
        if (EC)
          return fail(A, streamError(*Link, EC));
        asyncReadFrame(*Link, [this, A, Ours](llvm::Expected<Frame> F) {
          if (!F)
            return fail(A, F.takeError());
          if (F->Type != MessageType::HelloReply)
            return fail(A, unexpectedFrame(MessageType::HelloReply, F->Type));
          llvm::Expected<HelloReply> Reply = decodeHelloReply(F->Payload);
          if (!Reply)
            return fail(A, Reply.takeError());
          if (!Reply->Accepted) {
            A->Refusal =
                Reply->Version != ProtocolVersion ||
                        Reply->ClangVersion != clang::getClangFullVersion()
                    ? SlotFailure::VersionMismatch
                    : SlotFailure::Refused;
            return fail(
                A, llvm::createStringError(
                       std::make_error_code(std::errc::protocol_not_supported),
                       "worker refused the handshake: %s",
                       peerText(Reply->Reason).c_str()));
          }
          auto Auth = authenticate(*Reply, Ours);
          if (!Auth) {
            A->Refusal = SlotFailure::WrongSecret;
            return fail(A, Auth.takeError());
          }
          Connected = true;
          Speed = Reply->Speed;
          if (!*Auth)
            return connected(A);
          BytesSent += (*Auth)->size();
          boost::asio::async_write(
              *Link, boost::asio::buffer(**Auth),
              [this, A, Bytes = *Auth](boost::system::error_code EC, size_t) {
                if (EC)
                  return fail(A, streamError(*Link, EC));
                connected(A);
              });
        });
      });
}

void SlotClient::connected(std::shared_ptr<Attempt> A) {
  Connecting.reset();
  if (A->JobFrame)
    return send(A);
  // A probe's connection waits for its first job.
  A->Finished = true;
  Timer.cancel();
}

llvm::Expected<std::shared_ptr<const std::string>>
SlotClient::authenticate(const HelloReply &Reply, const Nonce &Ours) {
  auto Refuse = [](const char *Why) {
    return llvm::createStringError(
        std::make_error_code(std::errc::permission_denied), Why);
  };
  if (!Reply.AuthRequired) {
    if (Secret)
      return Refuse("worker does not authenticate itself; the config has a "
                    "secret, so no sources go to it");
    return nullptr;
  }
  if (!Secret)
    return Refuse("worker requires a shared secret, and the config has no "
                  "'secret' line");
  if (!Secret->verify(Reply.Proof, SharedSecret::Role::Worker, Reply.Challenge,
                      Ours))
    return Refuse("worker's proof of the shared secret is wrong (a worker with "
                  "another secret?)");
  Authenticate Auth;
  Auth.Proof = Secret->prove(SharedSecret::Role::Server, Ours, Reply.Challenge);
  return std::make_shared<const std::string>(encodeFrame(Auth));
}

void SlotClient::send(std::shared_ptr<Attempt> A) {
  A->Sent = true;
  armTimer(A, Config.HeartbeatTimeout, "worker stopped answering");
  std::optional<Answers> News;
  if (Questions)
    News = Questions->answersSince(Told);
  if (!News)
    return write(A, A->JobFrame);
  // Only sources jobs ask, so only their (small) frames are copied.
  auto Bytes = std::make_shared<std::string>(encodeFrame(*News));
  *Bytes += *A->JobFrame;
  write(A, std::move(Bytes));
}

void SlotClient::write(std::shared_ptr<Attempt> A,
                       std::shared_ptr<const std::string> Bytes) {
  if (Declining) {
    AfterDecline = [this, A, Bytes] { write(A, Bytes); };
    return;
  }
  BytesSent += Bytes->size();
  boost::asio::async_write(
      *Link, boost::asio::buffer(*Bytes),
      [this, A, Bytes](boost::system::error_code EC, size_t) {
        if (EC)
          return fail(A, streamError(*Link, EC));
        awaitResult(A);
      });
}

template <typename Question, typename AnswerFn>
void SlotClient::reply(std::shared_ptr<Attempt> A,
                       llvm::Expected<Question> Asked, AnswerFn Answer) {
  if (!Asked)
    return failGarbage(A, Asked.takeError());
  if (Asked->Id != A->JobId)
    return failGarbage(A, wrongJob(Asked->Id, A->JobId));
  auto Reply = Answer(*Asked);
  if (!Reply)
    return failGarbage(A, Reply.takeError());
  armTimer(A, Config.HeartbeatTimeout, "worker stopped answering");
  write(A, std::make_shared<const std::string>(encodeFrame(*Reply)));
}

void SlotClient::awaitResult(std::shared_ptr<Attempt> A) {
  asyncReadFrame(*Link, [this, A](llvm::Expected<Frame> F) {
    if (!F) {
      // A frame header that does not decode is garbage, and so is a TLS
      // record that does not; any other error is the connection's.
      bool Garbage = F.errorIsA<ProtocolError>() || F.errorIsA<TlsError>();
      return Garbage ? failGarbage(A, F.takeError()) : fail(A, F.takeError());
    }
    A->HeardFrom = true;
    BytesReceived += FrameHeaderSize + F->Payload.size();
    // A worker that found our proof wrong refuses us instead of answering.
    if (F->Type == MessageType::HelloReply) {
      llvm::Expected<HelloReply> Reply = decodeHelloReply(F->Payload);
      if (!Reply)
        return failGarbage(A, Reply.takeError());
      A->Refusal = SlotFailure::WrongSecret;
      return fail(A, llvm::createStringError(
                         std::make_error_code(std::errc::permission_denied),
                         "worker refused us: %s", Reply->Reason.c_str()));
    }
    if (F->Type == MessageType::Heartbeat) {
      armTimer(A, Config.HeartbeatTimeout, "worker stopped answering");
      return awaitResult(A);
    }
    if (F->Type == MessageType::SlotBusy) {
      llvm::Expected<SlotBusy> Busy = decodeSlotBusy(F->Payload);
      if (!Busy)
        return failGarbage(A, Busy.takeError());
      if (Busy->Id != A->JobId)
        return failGarbage(A, wrongJob(Busy->Id, A->JobId));
      A->Finished = true;
      Timer.cancel();
      awaitOffer();
      return A->Done(llvm::make_error<SlotBusyError>());
    }
    bool Question =
        F->Type == MessageType::Lookup || F->Type == MessageType::NeedBlobs;
    if (Question && !Questions)
      return failGarbage(
          A, protocolError("protocol error: " + messageTypeName(F->Type) +
                           " in a mode that sends all a job "
                           "reads with the job"));
    if (F->Type == MessageType::Lookup)
      return reply(A, decodeLookup(F->Payload),
                   [this](const Lookup &Q) { return Questions->lookup(Q); });
    if (F->Type == MessageType::NeedBlobs)
      return reply(A, decodeNeedBlobs(F->Payload), [this](const NeedBlobs &Q) {
        return Questions->contents(Q);
      });
    if (F->Type != MessageType::CompileResult)
      return failGarbage(A,
                         unexpectedFrame(MessageType::CompileResult, F->Type));
    llvm::Expected<CompileResult> R = decodeCompileResult(F->Payload);
    if (!R)
      return failGarbage(A, R.takeError());
    if (R->Id != A->JobId)
      return failGarbage(A, wrongJob(R->Id, A->JobId));
    std::vector<const GivenAnswer *> Consulted;
    if (Questions) {
      auto Named = Questions->consulted(R->Consulted);
      if (!Named)
        return failGarbage(A, Named.takeError());
      Consulted = std::move(*Named);
    } else if (!R->Consulted.empty()) {
      return failGarbage(A, protocolError("a result that names answers in a "
                                          "mode that gives none"));
    }
    A->Finished = true;
    Timer.cancel();
    A->Done(RemoteResult{std::move(*R), std::move(Consulted)});
  });
}

void SlotClient::awaitOffer() {
  asyncReadFrame(*Link, [this](llvm::Expected<Frame> F) {
    llvm::Error E = F ? llvm::Error::success() : F.takeError();
    if (F) {
      BytesReceived += FrameHeaderSize + F->Payload.size();
      if (F->Type == MessageType::SlotFree) {
        if (llvm::Expected<SlotFree> Free = decodeSlotFree(F->Payload)) {
          Offered = true;
          return OnOffer();
        } else {
          E = Free.takeError();
        }
      } else {
        E = unexpectedFrame(MessageType::SlotFree, F->Type);
      }
    }
    // Closed, or garbage: either way the next job connects anew, and shows
    // whether the slot is worth backing off.
    llvm::consumeError(std::move(E));
    Connected = false;
    Link->close();
    OnLost();
  });
}

void SlotClient::decline() {
  Offered = false;
  Declining = true;
  auto Bytes = std::make_shared<const std::string>(encodeFrame(DeclineSlot()));
  BytesSent += Bytes->size();
  boost::asio::async_write(*Link, boost::asio::buffer(*Bytes),
                           [this, Bytes](boost::system::error_code, size_t) {
                             // A write that failed leaves a broken connection,
                             // which the next job finds and connects anew.
                             Declining = false;
                             if (auto Next =
                                     std::exchange(AfterDecline, nullptr))
                               Next();
                           });
}
