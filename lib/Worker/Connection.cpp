//===- Worker/Connection.cpp - One local server ---------------------------===//

#include "Worker/Connection.h"
#include "Protocol/Errors.h"
#include "clang/Basic/Version.h"
#include "llvm/Support/FormatVariadic.h"
#include <boost/asio/post.hpp>

using namespace clang::dist;
using boost::asio::ip::tcp;

/// How long a compile waits for its local server to reply to a question.
static constexpr std::chrono::seconds ReplyTimeout(60);

Connection::Connection(tcp::socket S, const SlotOptions &Options,
                       TlsContext *Tls, Logger &Log, JobQueue &Queue,
                       SlotGate &Gate, SlotCounters &Counters,
                       std::function<void()> HandshakeEnded)
    : Link(std::move(S)),
      Writer(std::make_shared<FrameWriteQueue<LinkStream>>(Link)),
      Timer(Link.get_executor()), Options(Options), Tls(Tls), Log(Log),
      Queue(Queue), Gate(Gate), Counters(Counters),
      HandshakeEnded(std::move(HandshakeEnded)) {
  ++Counters.Connections;
  boost::system::error_code EC;
  auto Peer = Link.socket().remote_endpoint(EC);
  PeerName =
      EC ? "unknown peer"
         : llvm::formatv("{0}:{1}", Peer.address().to_string(), Peer.port())
               .str();
  // By the address the peer reached, not the one bound: a worker on
  // 0.0.0.0 serves its own machine's loopback in plain.
  auto Local = Link.socket().local_endpoint(EC);
  TlsRequired = EC || !Local.address().is_loopback();
}

Connection::~Connection() {
  if (CountedOpen)
    --Counters.Connections;
}

void Connection::start() {
  // Weak: the writer is the connection's, and a strong reference back would
  // keep both alive for ever (the reads in flight keep the connection).
  Writer->setErrorHandler([Weak = weak_from_this()](llvm::Error E) {
    if (auto Self = Weak.lock())
      Self->close("write failed: " + llvm::toString(std::move(E)));
    else
      llvm::consumeError(std::move(E));
  });
  Writer->setStreamOwner(weak_from_this());
  Timer.expires_after(Options.HandshakeTimeout);
  Timer.async_wait([Self = shared_from_this()](boost::system::error_code EC) {
    if (!EC)
      Self->drop(PeerRefusal::Timeout, "no Hello within the handshake timeout");
  });
  if (!Tls)
    return readHello();
  secure();
}

/// The first byte of a TLS handshake record (RFC 8446, 5.1); a plain
/// connection starts with a Hello frame, whose first byte is 1.
static constexpr uint8_t TlsHandshakeRecord = 0x16;

void Connection::secure() {
  // A peek allocates nothing, and reads nothing the Hello needs.
  Link.socket().async_receive(
      boost::asio::buffer(&FirstByte, 1), tcp::socket::message_peek,
      [Self = shared_from_this()](boost::system::error_code EC, size_t) {
        if (EC)
          return Self->close("handshake: " + llvm::toString(asioError(EC)));
        if (Self->FirstByte != TlsHandshakeRecord)
          return Self->readHello();
        Self->Link.handshake(*Self->Tls, [Self](llvm::Error E) {
          if (!E)
            return Self->readHello();
          // TLS told the peer why (an alert); our log says who.
          std::string Why;
          PeerRefusal Kind = PeerRefusal::Tls;
          llvm::handleAllErrors(
              std::move(E),
              [&](const TlsError &T) {
                if (T.kind() == TlsError::WrongKey)
                  Kind = PeerRefusal::Secret;
                Why = Kind == PeerRefusal::Secret
                          ? "wrong shared secret (" + T.message() + ")"
                          : "TLS handshake failed (" + T.message() + ")";
              },
              [&](const llvm::ErrorInfoBase &Other) {
                Why = "TLS handshake: " + Other.message();
              });
          Self->Counters.refused(Kind);
          Self->Log.log(LogLevel::Warning,
                        "refused " + Self->PeerName + ": " + Why);
          Self->close("");
        });
      });
}

void Connection::readHello() {
  asyncReadMessage<Hello>(
      Link, [Self = shared_from_this()](llvm::Expected<Hello> H) {
        Self->Timer.cancel();
        if (!H) {
          // A peer that connects and closes (a port check) is no refusal.
          if (H.errorIsA<ProtocolError>())
            return Self->drop(PeerRefusal::Malformed,
                              "handshake: " + llvm::toString(H.takeError()));
          return Self->close("handshake: " + llvm::toString(H.takeError()));
        }
        // Read whole first, so that the peer reads the refusal.
        if (Self->TlsRequired && !Self->Link.encrypted())
          return Self->refuse(PeerRefusal::Tls,
                              "a connection from another machine must be TLS "
                              "(the local server needs this worker's secret "
                              "in its config)");

        HelloReply Reply;
        Reply.ClangVersion = clang::getClangFullVersion();
        Reply.Reason = whyRefuseHello(*H, Reply.ClangVersion, "this worker");
        if (!Reply.Reason.empty())
          return Self->refuse(H->Version != ProtocolVersion
                                  ? PeerRefusal::ProtocolVersion
                                  : PeerRefusal::ClangVersion,
                              Reply.Reason);
        Reply.Accepted = true;
        Reply.Challenge = freshNonce();
        Reply.Speed = Self->Options.Speed;
        // A peer that names no user is a user of its own.
        Self->User = H->User.empty() ? Self->PeerName : H->User;
        const std::optional<SharedSecret> &Secret = Self->Options.Secret;
        if (Secret) {
          Reply.AuthRequired = true;
          Reply.Proof = Secret->prove(SharedSecret::Role::Worker,
                                      Reply.Challenge, H->Challenge);
        }
        Self->Writer->push(Reply);
        if (Secret)
          return Self->readAuthenticate(H->Challenge, Reply.Challenge);
        Self->serve();
      });
}

/// Nothing but the peer's proof is read before the proof checks out.
void Connection::readAuthenticate(const Nonce &Peer, const Nonce &Ours) {
  Timer.expires_after(Options.HandshakeTimeout);
  Timer.async_wait([Self = shared_from_this()](boost::system::error_code EC) {
    if (!EC)
      Self->drop(PeerRefusal::Timeout,
                 "no Authenticate within the handshake timeout");
  });
  asyncReadFrame(
      Link, {MessageType::Authenticate},
      [Self = shared_from_this(), Peer, Ours](llvm::Expected<Frame> F) {
        Self->Timer.cancel();
        if (!F) {
          // A peer that sends anything else first is told why it is refused.
          if (F.errorIsA<ProtocolError>())
            return Self->refuse(PeerRefusal::Secret,
                                "not authenticated (" +
                                    llvm::toString(F.takeError()) + ")");
          return Self->close("handshake: " + llvm::toString(F.takeError()));
        }
        llvm::Expected<Authenticate> A = decodeAuthenticate(F->Payload);
        if (!A)
          return Self->drop(PeerRefusal::Malformed,
                            "handshake: " + llvm::toString(A.takeError()));
        if (!Self->Options.Secret->verify(A->Proof, SharedSecret::Role::Server,
                                          Peer, Ours))
          return Self->refuse(PeerRefusal::Secret, "wrong shared secret");
        Self->serve();
      });
}

void Connection::drop(PeerRefusal Why, const llvm::Twine &Reason) {
  Counters.refused(Why);
  close(Reason);
}

void Connection::refuse(PeerRefusal Why, const std::string &Reason) {
  Counters.refused(Why);
  HelloReply Refusal;
  Refusal.ClangVersion = clang::getClangFullVersion();
  Refusal.Reason = Reason;
  Writer->push(Refusal);
  Log.log(LogLevel::Warning, "refused " + PeerName + ": " + Reason);
  // Close once the refusal is on its way.
  Pending.close();
  Writer->whenIdle([Self = shared_from_this()] { Self->close(""); });
}

void Connection::serve() {
  leaveHandshake();
  GateId = Gate.join(weak_from_this());
  Log.log(PeerName + " (user " + User + ") connected" +
          (Options.Secret ? " and proved the shared secret" : ""));
  readJobs();
}

void Connection::leaveHandshake() {
  if (std::exchange(InHandshake, false))
    HandshakeEnded();
}

void Connection::readJobs() {
  asyncReadFrame(
      Link,
      {MessageType::CompileJob, MessageType::Answers, MessageType::LookupReply,
       MessageType::Blobs, MessageType::DeclineSlot},
      [Self = shared_from_this()](llvm::Expected<Frame> F) {
        if (!F)
          return Self->close(describeUnlessClosed(F.takeError()));
        if (F->Type == MessageType::CompileJob) {
          llvm::Expected<CompileJob> Job = decodeCompileJob(F->Payload);
          if (!Job)
            return Self->close(llvm::toString(Job.takeError()));
          Self->queue(std::move(*Job));
        } else if (F->Type == MessageType::Answers) {
          llvm::Expected<Answers> A = decodeAnswers(F->Payload);
          if (!A)
            return Self->close(llvm::toString(A.takeError()));
          for (Answers::Entry &E : A->Entries)
            Self->Learned.push_back(std::move(E));
        } else if (F->Type == MessageType::DeclineSlot) {
          llvm::Expected<DeclineSlot> D = decodeDeclineSlot(F->Payload);
          if (!D)
            return Self->close(llvm::toString(D.takeError()));
          Self->Log.log("offer declined by " + Self->PeerName + " (user " +
                        Self->User + ")");
          Self->Gate.declined(*Self->GateId);
        } else {
          if (llvm::Error E = Self->Pending.fulfil(std::move(*F)))
            return Self->close(llvm::toString(std::move(E)));
        }
        Self->readJobs();
      });
}

void Connection::queue(CompileJob Job) {
  if (!Gate.tryStart(*GateId, User)) {
    // The answers that came with the job hold for the next one: the server
    // counts them as given.
    ++Counters.BusyRefusals;
    Log.log(llvm::formatv("job {0} from {1} (user {2}): slot busy, refused",
                          Job.Id, PeerName, User));
    Writer->push(SlotBusy{Job.Id});
    return;
  }
  ++Jobs;
  if (Outstanding++ == 0)
    heartbeat();
  Queue.push({shared_from_this(), std::move(Job), std::exchange(Learned, {})});
}

void Connection::abandon(const std::string &Why) {
  Pending.close();
  boost::asio::post(Link.get_executor(),
                    [Self = shared_from_this(), Why] { Self->close(Why); });
}

llvm::Expected<Frame> Connection::ask(std::string Question,
                                      MessageType ReplyType) {
  Pending.expect(ReplyType);
  boost::asio::post(
      Link.get_executor(),
      [Self = shared_from_this(), Question = std::move(Question)]() mutable {
        if (Self->isOpen())
          Self->Writer->pushBytes(std::move(Question));
      });
  if (std::optional<Frame> F = Pending.wait(ReplyTimeout))
    return std::move(*F);
  if (isOpen())
    abandon(("the local server sent no " + messageTypeName(ReplyType) +
             " within " + llvm::Twine(ReplyTimeout.count()) + " s")
                .str());
  return llvm::createStringError(
      std::make_error_code(std::errc::connection_aborted),
      "no reply from the local server");
}

void Connection::heartbeat() {
  Timer.expires_after(Options.HeartbeatInterval);
  Timer.async_wait([Self = shared_from_this()](boost::system::error_code EC) {
    if (EC || !Self->isOpen() || Self->Outstanding == 0)
      return;
    Self->Writer->push(Heartbeat{});
    Self->heartbeat();
  });
}

void Connection::deliver(CompileResult Result) {
  boost::asio::post(
      Link.get_executor(),
      [Self = shared_from_this(), Result = std::move(Result)]() mutable {
        Self->send(std::move(Result));
      });
}

bool Connection::offer() {
  if (!isOpen())
    return false;
  Log.log(llvm::formatv("slot offered to {0} (user {1})", PeerName, User));
  Writer->push(SlotFree{});
  return true;
}

void Connection::send(CompileResult Result) {
  // Before the result goes out: the server that gets it may send its next
  // job at once, and finds the slot free unless another server waits.
  Gate.finished();
  if (!isOpen())
    return;
  if (--Outstanding == 0)
    Timer.cancel();
  Writer->push(Result);
}

void Connection::close(const llvm::Twine &Why) {
  if (Link.socket().is_open()) {
    bool Served = !InHandshake;
    leaveHandshake();
    if (std::exchange(CountedOpen, false))
      --Counters.Connections;
    if (std::string Reason = Why.str(); !Reason.empty())
      Log.log(LogLevel::Warning, PeerName + ": " + Reason);
    else if (Served)
      Log.log(llvm::formatv("{0} disconnected after {1} job{2}", PeerName, Jobs,
                            Jobs == 1 ? "" : "s"));
  }
  Pending.close();
  Timer.cancel();
  Link.close();
  if (std::optional<SlotTurns::ConnectionId> Id = std::exchange(GateId, {}))
    Gate.closed(*Id);
}
