//===- SlaveNode/SlaveListener.cpp - One compile slot ---------------------===//

#include "SlaveNode/SlaveListener.h"
#include "Protocol/AsyncFrame.h"
#include "Protocol/Compression.h"
#include "SlaveNode/BlobStore.h"
#include "SlaveNode/Compiler.h"
#include "clang/Basic/Version.h"
#include "llvm/Support/FormatVariadic.h"
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
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
  JobContents Contents;
};

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

private:
  /// A sources job waiting for contents it asked for.
  struct Waiting {
    CompileJob Job;
    JobContents Contents;
    std::set<ContentDigest> Missing;
  };

  void readHello();
  void readAuthenticate(const Nonce &Peer, const Nonce &Ours);
  void refuse(const std::string &Reason);
  void readJobs();
  void accept(CompileJob Job);
  llvm::Error receive(Blobs B);
  void close(const llvm::Twine &Why);
  void heartbeat();

  tcp::socket Socket;
  std::shared_ptr<FrameWriteQueue<tcp::socket>> Writer;
  boost::asio::steady_timer Timer;
  Slot &Owner;
  std::string PeerName;
  unsigned Outstanding = 0;
  std::map<uint64_t, Waiting> WaitingJobs;
  std::atomic<bool> Open{true};
};

class Slot {
public:
  Slot(const ListenerOptions &Options, Logger &Log)
      : Options(Options), Log(Log), Acceptor(IO), Signals(IO, SIGTERM, SIGINT) {
  }

  int run();

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
  asyncReadFrame(Socket, [Self = shared_from_this()](llvm::Expected<Frame> F) {
    Self->Timer.cancel();
    if (!F)
      return Self->close("handshake: " + llvm::toString(F.takeError()));
    if (F->Type != MessageType::Hello)
      return Self->close("handshake: " + llvm::toString(unexpectedFrame(
                                             MessageType::Hello, F->Type)));
    llvm::Expected<Hello> H = decodeHello(F->Payload);
    if (!H)
      return Self->close("handshake: " + llvm::toString(H.takeError()));

    HelloReply Reply;
    Reply.ClangVersion = clang::getClangFullVersion();
    if (H->Version != ProtocolVersion)
      Reply.Reason = llvm::formatv("protocol version mismatch: peer speaks "
                                   "version {0}, this slave speaks version {1}",
                                   H->Version, ProtocolVersion);
    else if (H->ClangVersion != Reply.ClangVersion)
      Reply.Reason = llvm::formatv("clang version mismatch: peer has '{0}', "
                                   "this slave has '{1}'",
                                   H->ClangVersion, Reply.ClangVersion);
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
    Self->readJobs();
  });
}

/// Nothing but the peer's proof is read before the proof checks out.
void Connection::readAuthenticate(const Nonce &Peer, const Nonce &Ours) {
  Timer.expires_after(Owner.Options.HandshakeTimeout);
  Timer.async_wait([Self = shared_from_this()](boost::system::error_code EC) {
    if (!EC)
      Self->close("no Authenticate within the handshake timeout");
  });
  asyncReadFrame(Socket, [Self = shared_from_this(), Peer,
                          Ours](llvm::Expected<Frame> F) {
    Self->Timer.cancel();
    if (!F)
      return Self->close("handshake: " + llvm::toString(F.takeError()));
    if (F->Type != MessageType::Authenticate)
      return Self->refuse("not authenticated (expected Authenticate, got " +
                          messageTypeName(F->Type).str() + ")");
    llvm::Expected<Authenticate> A = decodeAuthenticate(F->Payload);
    if (!A)
      return Self->close("handshake: " + llvm::toString(A.takeError()));
    if (!Self->Owner.Options.Secret->verify(
            A->Proof, SharedSecret::Role::Server, Peer, Ours))
      return Self->refuse("wrong shared secret");
    Self->readJobs();
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
  Writer->whenIdle([Self = shared_from_this()] { Self->close("refused"); });
}

void Connection::readJobs() {
  asyncReadFrame(Socket, [Self = shared_from_this()](llvm::Expected<Frame> F) {
    if (!F)
      return Self->close(llvm::toString(F.takeError()));
    if (F->Type == MessageType::CompileJob) {
      llvm::Expected<CompileJob> Job = decodeCompileJob(F->Payload);
      if (!Job)
        return Self->close(llvm::toString(Job.takeError()));
      Self->accept(std::move(*Job));
    } else if (F->Type == MessageType::Blobs) {
      llvm::Expected<Blobs> B = decodeBlobs(F->Payload);
      if (!B)
        return Self->close(llvm::toString(B.takeError()));
      if (llvm::Error E = Self->receive(std::move(*B)))
        return Self->close(llvm::toString(std::move(E)));
    } else {
      return Self->close(
          llvm::toString(unexpectedFrame(MessageType::CompileJob, F->Type)));
    }
    Self->readJobs();
  });
}

/// A sources job names its contents; those the cache lacks are asked for
/// before the job is queued.
void Connection::accept(CompileJob Job) {
  if (Outstanding++ == 0)
    heartbeat();
  JobContents Contents;
  NeedBlobs Need;
  Need.Id = Job.Id;
  std::set<ContentDigest> Missing;
  for (const ManifestEntry &E : Job.Manifest) {
    if (E.Kind != ManifestEntry::EntryKind::File || E.SameAs ||
        Contents.count(E.Digest) || Missing.count(E.Digest))
      continue;
    bool Corrupt = false;
    if (auto Buffer = Owner.Store->load(E.Digest, Corrupt)) {
      Contents.emplace(E.Digest, std::move(Buffer));
      continue;
    }
    if (Corrupt)
      Owner.Log.log("blob " + toHex(E.Digest) +
                    " was damaged in the cache; asking for it again");
    Missing.insert(E.Digest);
    Need.Digests.push_back(E.Digest);
  }
  if (Missing.empty())
    return Owner.Queue.push(
        {shared_from_this(), std::move(Job), std::move(Contents)});
  Writer->push(Need);
  uint64_t Id = Job.Id;
  WaitingJobs[Id] = {std::move(Job), std::move(Contents), std::move(Missing)};
}

llvm::Error Connection::receive(Blobs B) {
  auto It = WaitingJobs.find(B.Id);
  if (It == WaitingJobs.end())
    return llvm::createStringError(std::make_error_code(std::errc::protocol_error),
                                   "Blobs for job %llu, which waits for none",
                                   (unsigned long long)B.Id);
  Waiting &W = It->second;
  for (Blobs::Blob &Blob : B.Contents) {
    if (!W.Missing.erase(Blob.Digest))
      return llvm::createStringError(
          std::make_error_code(std::errc::protocol_error),
          "blob %s was not asked for", toHex(Blob.Digest).c_str());
    llvm::Expected<std::string> Data =
        decompress(Blob.Compressed, Blob.RawSize);
    if (!Data)
      return Data.takeError();
    if (digestContents(*Data) != Blob.Digest)
      return llvm::createStringError(
          std::make_error_code(std::errc::protocol_error),
          "blob %s was damaged in transit (its contents have another digest)",
          toHex(Blob.Digest).c_str());
    // A cache that cannot keep it costs the next job a transfer, not this one.
    if (llvm::Error E = Owner.Store->store(Blob.Digest, *Data))
      Owner.Log.log("blob cache: " + llvm::toString(std::move(E)));
    W.Contents.emplace(Blob.Digest,
                       llvm::MemoryBuffer::getMemBufferCopy(*Data));
  }
  if (W.Missing.empty()) {
    Owner.Queue.push(
        {shared_from_this(), std::move(W.Job), std::move(W.Contents)});
    WaitingJobs.erase(It);
  }
  return llvm::Error::success();
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
    std::string Reason = Why.str();
    // A peer that simply went away is not news.
    if (Reason != "connection closed by peer" && Reason != "refused")
      Owner.Log.log(PeerName + ": " + Reason);
  }
  Open = false;
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

void Slot::accept() {
  Acceptor.async_accept([this](boost::system::error_code EC, tcp::socket S) {
    if (EC) {
      if (EC != boost::asio::error::operation_aborted)
        Log.log("accept failed: " + EC.message());
      if (EC == boost::asio::error::no_descriptors)
        return accept();
      return;
    }
    S.set_option(tcp::no_delay(true));
    std::make_shared<Connection>(std::move(S), *this)->start();
    accept();
  });
}

void Slot::compileLoop() {
  while (std::optional<QueuedJob> Q = Queue.pop()) {
    if (!Q->Conn->isOpen())
      continue;
    CompileResult Result = compile(Q->Job, Q->Contents, Options.LocalFiles);
    boost::asio::post(IO, [this, Conn = std::move(Q->Conn),
                           Result = std::move(Result)]() mutable {
      ++Compiled;
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
