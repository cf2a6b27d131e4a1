//===- Worker/Slot.cpp - One slot process ---------------------------------===//

#include "Worker/Slot.h"
#include "Worker/BlobStore.h"
#include "Worker/Compiler.h"
#include "Worker/Connection.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include <boost/asio/post.hpp>
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

using namespace clang::dist;
using boost::asio::ip::tcp;

/// Handshakes a slot runs at once (Slot::Handshakes).
static constexpr unsigned MaxHandshakes = 32;

/// How long a stopping slot waits for its compile thread: long enough for a
/// compile that lost its connection to fail (every question fails at once),
/// short enough not to hold up a worker's shutdown for one that does not ask.
static constexpr std::chrono::seconds StopGrace(1);

Slot::Slot(const SlotOptions &Options, Logger &Log, const BlobStore &Store,
           CompileFunction Compile)
    : Options(Options), Log(Log),
      Counters(Options.Counters ? *Options.Counters : OwnCounters),
      Queue(&Counters.Queued), Gate(IO, Log, Counters), Acceptor(IO),
      Signals(IO, SIGTERM, SIGINT),
      Compiler(Queue, Store, Log, Counters, std::move(Compile)) {
  if (Options.Secret)
    Tls = TlsContext::create(SharedSecret::Role::Worker, *Options.Secret);
  // The supervisor starts a slot with them blocked, so that none arrives
  // before Signals handles it.
  sigset_t Handled;
  sigemptyset(&Handled);
  sigaddset(&Handled, SIGTERM);
  sigaddset(&Handled, SIGINT);
  ::pthread_sigmask(SIG_UNBLOCK, &Handled, nullptr);
}

int Slot::run() {
  sockaddr_storage Addr;
  socklen_t Len = sizeof(Addr);
  if (::getsockname(Options.ListenFd, reinterpret_cast<sockaddr *>(&Addr),
                    &Len) != 0) {
    Log.log(LogLevel::Error, "listening socket is unusable: " +
                                 llvm::Twine(std::strerror(errno)));
    return 1;
  }
  tcp Protocol = Addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4();
  Acceptor.assign(Protocol, Options.ListenFd);
  auto Local = Acceptor.local_endpoint();
  std::string Name =
      llvm::formatv("{0}:{1}", Local.address().to_string(), Local.port()).str();

  Signals.async_wait([this](boost::system::error_code EC, int) {
    if (!EC)
      shutdown();
  });
  Compiler.start();
  accept();
  IO.run();
  Log.log(llvm::formatv("{0} compiled {1} translation units", Name,
                        Compiler.compiled()));
  return 0;
}

void Slot::stop() {
  boost::asio::post(IO, [this] { shutdown(); });
}

void Slot::handshakeEnded() {
  --Handshakes;
  if (std::exchange(AcceptPaused, false))
    accept();
}

void Slot::accept() {
  if (Handshakes == MaxHandshakes) {
    AcceptPaused = true;
    Log.log(LogLevel::Warning,
            llvm::formatv("{0} connections in their handshake: the next waits "
                          "until one ends",
                          MaxHandshakes));
    return;
  }
  Acceptor.async_accept([this](boost::system::error_code EC, tcp::socket S) {
    if (EC) {
      if (EC != boost::asio::error::operation_aborted)
        Log.log(LogLevel::Error, "accept failed: " + EC.message());
      if (EC == boost::asio::error::no_descriptors)
        return accept();
      return;
    }
    S.set_option(tcp::no_delay(true));
    ++Handshakes;
    auto Conn = std::make_shared<Connection>(std::move(S), Options, Tls.get(),
                                             Log, Queue, Gate, Counters,
                                             [this] { handshakeEnded(); });
    llvm::erase_if(Connections, [](const std::weak_ptr<Connection> &C) {
      return C.expired();
    });
    Connections.push_back(Conn);
    Conn->start();
    accept();
  });
}

void Slot::shutdown() {
  Queue.close();
  // A compile waiting for a reply fails at once, and the servers move the
  // jobs on without waiting for the compile thread or this process to end.
  for (const std::weak_ptr<Connection> &C : Connections)
    if (std::shared_ptr<Connection> Conn = C.lock())
      Conn->close("");
  IO.stop();
}

int clang::dist::runSlot(const SlotOptions &Options, Logger &Log) {
  initializeCompiler();
  auto Store = BlobStore::open(Options.CacheDir, Options.CacheLimit);
  if (!Store) {
    Log.log(LogLevel::Error, llvm::toString(Store.takeError()));
    return 1;
  }
  Slot S(Options, Log, *Store,
         [&Options](const CompileJob &Job,
                    llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> Files) {
           return compile(Job, std::move(Files), Options.LocalFiles);
         });
  int Code = S.run();
  // clang cannot be interrupted: a compile still running ends with the
  // process, before anything it uses is destroyed.
  if (!S.finish(StopGrace))
    ::_exit(Code);
  return Code;
}
