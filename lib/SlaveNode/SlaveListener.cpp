//===- SlaveNode/SlaveListener.cpp - One compile slot ---------------------===//

#include "SlaveNode/SlaveListener.h"
#include "Protocol/AsyncFrame.h"
#include "Protocol/Compression.h"
#include "SlaveNode/BlobStore.h"
#include "SlaveNode/ClientFileSystem.h"
#include "SlaveNode/Compiler.h"
#include "clang/Basic/Version.h"
#include "llvm/Support/FormatVariadic.h"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace clang::dist;
using boost::asio::ip::tcp;

namespace {

class Connection;

struct QueuedJob {
  std::shared_ptr<Connection> Conn;
  CompileJob Job;
  /// Answers the server sent with the job, for the compile thread to learn
  /// first.
  std::vector<Answers::Entry> Learned;
};

/// Handshakes a slot runs at once (Slot::Handshakes).
constexpr unsigned MaxHandshakes = 32;

/// How long a compile waits for its local server to answer a question.
constexpr std::chrono::seconds AnswerTimeout(60);

/// Jobs wait here for the compile thread.
class JobQueue {
public:
  void push(QueuedJob J) {
    {
      std::lock_guard<std::mutex> Lock(M);
      Jobs.push_back(std::move(J));
    }
    CV.notify_one();
  }
  /// Blocks; std::nullopt once closed.
  std::optional<QueuedJob> pop() {
    std::unique_lock<std::mutex> Lock(M);
    CV.wait(Lock, [&] { return Closed || !Jobs.empty(); });
    if (Closed)
      return std::nullopt;
    QueuedJob J = std::move(Jobs.front());
    Jobs.pop_front();
    return J;
  }
  void close() {
    {
      std::lock_guard<std::mutex> Lock(M);
      Closed = true;
    }
    CV.notify_all();
  }

private:
  std::mutex M;
  std::condition_variable CV;
  std::deque<QueuedJob> Jobs;
  bool Closed = false;
};

class Slot;

/// One peer (a local server). Owned by the handlers in flight on it.
class Connection : public std::enable_shared_from_this<Connection> {
public:
  Connection(tcp::socket Socket, Slot &Owner);
  void start();
  /// On the io thread: sends a result of a job this connection submitted.
  void deliver(CompileResult Result);
  /// Read from the compile thread: a job of a closed connection is cancelled.
  bool isOpen() const { return Open.load(); }

  /// On the compile thread: sends \p Question (an encoded frame) and waits
  /// for the frame of type \p Answer. On failure the connection is closed.
  llvm::Expected<Frame> ask(std::string Question, MessageType Answer);
  /// On the compile thread: the server sent a bad answer; closes the
  /// connection, whose job is then lost.
  void abandon(const std::string &Why);
  /// The answers about the client's files this connection was given; the
  /// compile thread's alone.
  ClientAnswers Known;

private:
  void readHello();
  void readAuthenticate(const Nonce &Peer, const Nonce &Ours);
  void refuse(const std::string &Reason);
  /// Once the peer is known: from now on it may send jobs.
  void serve();
  void leaveHandshake();
  void readJobs();
  void accept(CompileJob Job);
  /// On the io thread: hands \p F to the compile thread that asked for it.
  llvm::Error answer(Frame F);
  void close(const llvm::Twine &Why);
  void heartbeat();

  tcp::socket Socket;
  std::shared_ptr<FrameWriteQueue<tcp::socket>> Writer;
  boost::asio::steady_timer Timer;
  Slot &Owner;
  std::string PeerName;
  unsigned Outstanding = 0;
  /// Counted in the slot's handshakes; the io thread's.
  bool InHandshake = true;
  /// Answers that arrived for the next job; the io thread's.
  std::vector<Answers::Entry> Learned;
  std::atomic<bool> Open{true};
  /// The compile thread's question in flight, and its answer.
  std::mutex AskMutex;
  std::condition_variable AskDone;
  std::optional<MessageType> Awaited;
  std::optional<Frame> Answered;
};

class Slot {
public:
  Slot(const ListenerOptions &Options, Logger &Log)
      : Options(Options), Log(Log), Acceptor(IO), Signals(IO, SIGTERM, SIGINT) {
  }

  int run();
  /// A connection finished its handshake, or closed during it.
  void handshakeEnded();

  boost::asio::io_context IO;
  const ListenerOptions &Options;
  Logger &Log;
  JobQueue Queue;
  std::string Name;
  std::optional<BlobStore> Store;

private:
  void accept();
  void compileLoop();
  void stop();

  tcp::acceptor Acceptor;
  boost::asio::signal_set Signals;
  uint64_t Compiled = 0;
  /// Connections accepted whose peer has not proved itself yet. Each holds
  /// at most one handshake frame (a 64 KiB Hello), so a peer without the
  /// secret makes the slot hold at most MaxHandshakes of them; later
  /// connections wait in the listen backlog until one ends.
  unsigned Handshakes = 0;
  bool AcceptPaused = false;
};

Connection::Connection(tcp::socket S, Slot &Owner)
    : Socket(std::move(S)),
      Writer(std::make_shared<FrameWriteQueue<tcp::socket>>(Socket)),
      Timer(Socket.get_executor()), Owner(Owner) {
  boost::system::error_code EC;
  auto Peer = Socket.remote_endpoint(EC);
  PeerName =
      EC ? "unknown peer"
         : llvm::formatv("{0}:{1}", Peer.address().to_string(), Peer.port())
               .str();
}

void Connection::start() {
  Writer->setErrorHandler([Self = shared_from_this()](llvm::Error E) {
    Self->close("write failed: " + llvm::toString(std::move(E)));
  });
  Timer.expires_after(Owner.Options.HandshakeTimeout);
  Timer.async_wait([Self = shared_from_this()](boost::system::error_code EC) {
    if (!EC)
      Self->close("no Hello within the handshake timeout");
  });
  readHello();
}

void Connection::readHello() {
  asyncReadMessage<Hello>(Socket, [Self = shared_from_this()](
                                      llvm::Expected<Hello> H) {
    Self->Timer.cancel();
    if (!H)
      return Self->close("handshake: " + llvm::toString(H.takeError()));

    HelloReply Reply;
    Reply.ClangVersion = clang::getClangFullVersion();
    Reply.Reason = whyRefuseHello(*H, Reply.ClangVersion, "this slave");
    if (!Reply.Reason.empty())
      return Self->refuse(Reply.Reason);
    Reply.Accepted = true;
    Reply.Challenge = freshNonce();
    const std::optional<SharedSecret> &Secret = Self->Owner.Options.Secret;
    if (Secret) {
      Reply.AuthRequired = true;
      Reply.Proof = Secret->prove(SharedSecret::Role::Slave, Reply.Challenge,
                                  H->Challenge);
    }
    Self->Writer->push(Reply);
    if (Secret)
      return Self->readAuthenticate(H->Challenge, Reply.Challenge);
    Self->serve();
  });
}

/// Nothing but the peer's proof is read before the proof checks out.
void Connection::readAuthenticate(const Nonce &Peer, const Nonce &Ours) {
  Timer.expires_after(Owner.Options.HandshakeTimeout);
  Timer.async_wait([Self = shared_from_this()](boost::system::error_code EC) {
    if (!EC)
      Self->close("no Authenticate within the handshake timeout");
  });
  asyncReadFrame(
      Socket, {MessageType::Authenticate},
      [Self = shared_from_this(), Peer, Ours](llvm::Expected<Frame> F) {
        Self->Timer.cancel();
        if (!F) {
          // A peer that sends anything else first is told why it is refused.
          if (F.errorIsA<ProtocolError>())
            return Self->refuse("not authenticated (" +
                                llvm::toString(F.takeError()) + ")");
          return Self->close("handshake: " + llvm::toString(F.takeError()));
        }
        llvm::Expected<Authenticate> A = decodeAuthenticate(F->Payload);
        if (!A)
          return Self->close("handshake: " + llvm::toString(A.takeError()));
        if (!Self->Owner.Options.Secret->verify(
                A->Proof, SharedSecret::Role::Server, Peer, Ours))
          return Self->refuse("wrong shared secret");
        Self->serve();
      });
}

void Connection::refuse(const std::string &Reason) {
  HelloReply Reply;
  Reply.ClangVersion = clang::getClangFullVersion();
  Reply.Reason = Reason;
  Writer->push(Reply);
  Owner.Log.log("refused " + PeerName + ": " + Reason);
  // Close once the refusal is on its way.
  Open = false;
  Writer->whenIdle([Self = shared_from_this()] { Self->close(""); });
}

void Connection::serve() {
  leaveHandshake();
  readJobs();
}

void Connection::leaveHandshake() {
  if (std::exchange(InHandshake, false))
    Owner.handshakeEnded();
}

void Connection::readJobs() {
  asyncReadFrame(Socket,
                 {MessageType::CompileJob, MessageType::Answers,
                  MessageType::LookupReply, MessageType::Blobs},
                 [Self = shared_from_this()](llvm::Expected<Frame> F) {
                   if (!F)
                     return Self->close(describeUnlessClosed(F.takeError()));
                   if (F->Type == MessageType::CompileJob) {
                     llvm::Expected<CompileJob> Job =
                         decodeCompileJob(F->Payload);
                     if (!Job)
                       return Self->close(llvm::toString(Job.takeError()));
                     Self->accept(std::move(*Job));
                   } else if (F->Type == MessageType::Answers) {
                     llvm::Expected<Answers> A = decodeAnswers(F->Payload);
                     if (!A)
                       return Self->close(llvm::toString(A.takeError()));
                     for (Answers::Entry &E : A->Entries)
                       Self->Learned.push_back(std::move(E));
                   } else {
                     if (llvm::Error E = Self->answer(std::move(*F)))
                       return Self->close(llvm::toString(std::move(E)));
                   }
                   Self->readJobs();
                 });
}

void Connection::accept(CompileJob Job) {
  if (Outstanding++ == 0)
    heartbeat();
  Owner.Queue.push(
      {shared_from_this(), std::move(Job), std::exchange(Learned, {})});
}

llvm::Error Connection::answer(Frame F) {
  {
    std::lock_guard<std::mutex> Lock(AskMutex);
    if (Awaited != F.Type)
      return protocolError(messageTypeName(F.Type) +
                           " that answers no question");
    Awaited.reset();
    Answered = std::move(F);
  }
  AskDone.notify_one();
  return llvm::Error::success();
}

void Connection::abandon(const std::string &Why) {
  Open = false;
  boost::asio::post(Owner.IO,
                    [Self = shared_from_this(), Why] { Self->close(Why); });
}

llvm::Expected<Frame> Connection::ask(std::string Question,
                                      MessageType Answer) {
  std::unique_lock<std::mutex> Lock(AskMutex);
  Awaited = Answer;
  Answered.reset();
  boost::asio::post(Owner.IO, [Self = shared_from_this(),
                               Question = std::move(Question)]() mutable {
    if (Self->isOpen())
      Self->Writer->pushBytes(std::move(Question));
  });
  if (AskDone.wait_for(Lock, AnswerTimeout,
                       [&] { return Answered || !isOpen(); }) &&
      Answered)
    return std::move(*Answered);
  Awaited.reset();
  if (isOpen())
    abandon(("the local server sent no " + messageTypeName(Answer) +
             " within " + llvm::Twine(AnswerTimeout.count()) + " s")
                .str());
  return llvm::createStringError(
      std::make_error_code(std::errc::connection_aborted),
      "no answer from the local server");
}

void Connection::heartbeat() {
  Timer.expires_after(Owner.Options.HeartbeatInterval);
  Timer.async_wait([Self = shared_from_this()](boost::system::error_code EC) {
    if (EC || !Self->isOpen() || Self->Outstanding == 0)
      return;
    Self->Writer->push(Heartbeat{});
    Self->heartbeat();
  });
}

void Connection::deliver(CompileResult Result) {
  if (!isOpen())
    return;
  if (--Outstanding == 0)
    Timer.cancel();
  Writer->push(Result);
}

void Connection::close(const llvm::Twine &Why) {
  if (Socket.is_open()) {
    leaveHandshake();
    if (std::string Reason = Why.str(); !Reason.empty())
      Owner.Log.log(PeerName + ": " + Reason);
  }
  {
    std::lock_guard<std::mutex> Lock(AskMutex);
    Open = false;
  }
  AskDone.notify_all();
  Timer.cancel();
  boost::system::error_code Ignored;
  Socket.close(Ignored);
}

int Slot::run() {
  sockaddr_storage Addr;
  socklen_t Len = sizeof(Addr);
  if (::getsockname(Options.ListenFd, reinterpret_cast<sockaddr *>(&Addr),
                    &Len) != 0) {
    Log.log("listening socket is unusable: " +
            llvm::Twine(std::strerror(errno)));
    return 1;
  }
  tcp Protocol = Addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4();
  Acceptor.assign(Protocol, Options.ListenFd);
  auto Local = Acceptor.local_endpoint();
  Name =
      llvm::formatv("{0}:{1}", Local.address().to_string(), Local.port()).str();

  Signals.async_wait([this](boost::system::error_code EC, int) {
    if (!EC)
      stop();
  });
  std::thread Compiler([this] { compileLoop(); });
  accept();
  IO.run();
  // The compile thread may be inside a long compile: do not wait for it.
  Compiler.detach();
  std::string Summary = llvm::formatv("clangd-slave: {0} compiled {1} "
                                      "translation units\n",
                                      Name, Compiled);
  (void)!::write(STDERR_FILENO, Summary.data(), Summary.size());
  return 0;
}

void Slot::handshakeEnded() {
  --Handshakes;
  if (std::exchange(AcceptPaused, false))
    accept();
}

void Slot::accept() {
  if (Handshakes == MaxHandshakes) {
    AcceptPaused = true;
    Log.log(llvm::formatv("{0} connections in their handshake: the next waits "
                          "until one ends",
                          MaxHandshakes));
    return;
  }
  Acceptor.async_accept([this](boost::system::error_code EC, tcp::socket S) {
    if (EC) {
      if (EC != boost::asio::error::operation_aborted)
        Log.log("accept failed: " + EC.message());
      if (EC == boost::asio::error::no_descriptors)
        return accept();
      return;
    }
    S.set_option(tcp::no_delay(true));
    ++Handshakes;
    std::make_shared<Connection>(std::move(S), *this)->start();
    accept();
  });
}

/// A sources job's questions, over its connection; contents come from the
/// blob store first.
class JobChannel : public ServerChannel {
public:
  JobChannel(Connection &Conn, uint64_t JobId, const BlobStore &Store,
             Logger &Log)
      : Conn(Conn), JobId(JobId), Store(Store), Log(Log) {}

  /// Some question went unanswered: the job was lost with its connection.
  bool failed() const { return Failed; }

  llvm::Expected<LookupReply> lookup(llvm::StringRef Path) override {
    llvm::Expected<Frame> F = Conn.ask(encodeFrame(Lookup{JobId, Path.str()}),
                                       MessageType::LookupReply);
    if (!F)
      return lost(F.takeError());
    llvm::Expected<LookupReply> Reply = decodeLookupReply(F->Payload);
    if (!Reply)
      return fail(Reply.takeError());
    if (Reply->Id != JobId)
      return fail(protocolError("LookupReply for another job"));
    return Reply;
  }

  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>>
  contents(const ContentDigest &Digest) override {
    bool Corrupt = false;
    if (auto Buffer = Store.load(Digest, Corrupt))
      return std::shared_ptr<llvm::MemoryBuffer>(std::move(Buffer));
    if (Corrupt)
      Log.log("blob " + toHex(Digest) +
              " was damaged in the cache; asking for it again");
    llvm::Expected<Frame> F =
        Conn.ask(encodeFrame(NeedBlobs{JobId, {Digest}}), MessageType::Blobs);
    if (!F)
      return lost(F.takeError());
    llvm::Expected<Blobs> B = decodeBlobs(F->Payload);
    if (!B)
      return fail(B.takeError());
    if (B->Id != JobId || B->Contents.size() != 1 ||
        B->Contents[0].Digest != Digest)
      return fail(protocolError("Blobs that were not asked for"));
    llvm::Expected<std::string> Data =
        decompress(B->Contents[0].Compressed, B->Contents[0].RawSize);
    if (!Data)
      return fail(Data.takeError());
    if (digestContents(*Data) != Digest)
      return fail(protocolError("blob " + toHex(Digest) +
                                " was damaged in transit (its contents have "
                                "another digest)"));
    // A cache that cannot keep it costs the next job a transfer, not this one.
    if (llvm::Error E = Store.store(Digest, *Data))
      Log.log("blob cache: " + llvm::toString(std::move(E)));
    return std::shared_ptr<llvm::MemoryBuffer>(
        llvm::MemoryBuffer::getMemBufferCopy(*Data));
  }

private:
  /// A bad answer ends the connection, and the job with it: the server
  /// tries it on another slot.
  llvm::Error fail(llvm::Error E) {
    std::string Why = llvm::toString(std::move(E));
    Conn.abandon(Why);
    return lost(protocolError(Why));
  }
  llvm::Error lost(llvm::Error E) {
    Failed = true;
    return E;
  }

  Connection &Conn;
  uint64_t JobId;
  const BlobStore &Store;
  Logger &Log;
  bool Failed = false;
};

/// A later answer about a path replaces an earlier one.
static void learn(ClientAnswers &Known, std::vector<Answers::Entry> Learned) {
  for (Answers::Entry &E : Learned) {
    LookupReply Reply{0, E.Index, E.Info};
    auto [It, New] = Known.try_emplace(E.Path, Reply);
    if (!New && It->second.Index < E.Index)
      It->second = Reply;
  }
}

void Slot::compileLoop() {
  while (std::optional<QueuedJob> Q = Queue.pop()) {
    if (!Q->Conn->isOpen())
      continue;
    CompileResult Result;
    bool Lost = false;
    if (Q->Job.Kind == SourceKind::Sources) {
      learn(Q->Conn->Known, std::move(Q->Learned));
      JobChannel Channel(*Q->Conn, Q->Job.Id, *Store, Log);
      auto Files = llvm::makeIntrusiveRefCnt<ClientFileSystem>(
          Q->Conn->Known, Channel, Q->Job.WorkingDir);
      Result = compile(Q->Job, Files, Options.LocalFiles);
      Result.Consulted = Files->consulted();
      Result.Unanswerable = Files->unanswerable();
      Lost = Channel.failed();
    } else {
      Result = compile(Q->Job, nullptr, Options.LocalFiles);
    }
    boost::asio::post(IO, [this, Lost, Conn = std::move(Q->Conn),
                           Result = std::move(Result)]() mutable {
      // A compile that lost its files with its connection was no compile.
      Compiled += !Lost;
      Conn->deliver(std::move(Result));
    });
  }
}

void Slot::stop() {
  Queue.close();
  IO.stop();
}

} // namespace

int clang::dist::runSlaveListener(const ListenerOptions &Options, Logger &Log) {
  initializeCompiler();
  Slot S(Options, Log);
  auto Store = BlobStore::open(Options.CacheDir, Options.CacheLimit);
  if (!Store) {
    Log.log(llvm::toString(Store.takeError()));
    return 1;
  }
  S.Store.emplace(std::move(*Store));
  return S.run();
}
