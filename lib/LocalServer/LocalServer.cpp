//===- LocalServer/LocalServer.cpp - The per-build server -----------------===//

#include "LocalServer/LocalServer.h"
#include "Config/StatsMetrics.h"
#include "LocalServer/ClientSession.h"
#include "LocalServer/JobRunner.h"
#include "LocalServer/Stats.h"
#include "Protocol/MetricsEndpoint.h"
#include "Support/Log.h"
#include "Support/TcpListen.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace clang::dist;
using boost::asio::local::stream_protocol;

namespace {

class Server {
public:
  Server(const LocalServerOptions &Options, Logger &Log)
      : Options(Options), Config(Options.Config), Log(Log),
        Pool(std::max(2u, std::thread::hardware_concurrency())), Acceptor(IO),
        Signals(IO, SIGTERM, SIGINT, SIGHUP), IdleTimer(IO), AcceptRetry(IO) {}

  int run();

private:
  llvm::Error listen();
  /// The farm of a config without any: a worker of the server's own.
  llvm::Expected<Farm> ownFarm();
  unsigned ownSlots() const {
    return Config.LocalSlots
               ? Config.LocalSlots
               : std::max(1u, std::thread::hardware_concurrency());
  }
  void accept();
  std::shared_ptr<void> activityToken();
  void becameIdle();
  void shutdown(const llvm::Twine &Why);
  bool executableReplaced() const;
  ClientSession::StatsFn answerStats();
  /// Stops listening and exits once the jobs in flight are done, because
  /// \p Why; with \p HandOver, the next client starts a new server.
  void retire(const std::string &Why, bool HandOver);
  /// Called by a client's StopServer.
  void stop();
  ServerStatus status() const;
  /// The config's `metrics` endpoint, if it has one; a port it cannot
  /// listen on is logged.
  void serveMetrics();

  const LocalServerOptions &Options;
  const DistConfig &Config;
  Logger &Log;
  boost::asio::io_context IO;
  boost::asio::thread_pool Pool;
  stream_protocol::acceptor Acceptor;
  boost::asio::signal_set Signals;
  boost::asio::steady_timer IdleTimer;
  /// Out of descriptors, accepting again at once would spin: the clients
  /// wait in the listen backlog until a session ends.
  boost::asio::steady_timer AcceptRetry;
  bool OutOfDescriptors = false;
  std::unique_ptr<Stats> Counters;
  std::unique_ptr<JobRunner> Runner;
  std::unique_ptr<MetricsEndpoint> Metrics;
  unsigned Active = 0;
  /// The executable as it was when the server started.
  llvm::sys::fs::file_status Started;
  /// No longer listening; exits as soon as its jobs are done.
  bool Retiring = false;
  /// What the exit's log line says when retiring.
  std::string RetireReason;
  /// Jobs started, and how many had been when the server last went idle:
  /// only a job restarts the idle time, not a monitor's connection.
  uint64_t JobsStarted = 0;
  uint64_t JobsAtIdle = 0;
  /// Set once the server lock is taken (run).
  std::chrono::steady_clock::time_point IdleSince;
  int64_t StartTime = 0;
  DistributionMode FarmMode = DistributionMode::Sources;
};

llvm::Error Server::listen() {
  // Only the lock holder gets here, so a socket file left over is stale.
  ::unlink(Options.Paths.Socket.c_str());
  boost::system::error_code EC;
  Acceptor.open(stream_protocol(), EC);
  if (!EC)
    Acceptor.bind(stream_protocol::endpoint(Options.Paths.Socket), EC);
  if (!EC)
    ::chmod(Options.Paths.Socket.c_str(), 0600);
  if (!EC)
    Acceptor.listen(boost::asio::socket_base::max_listen_connections, EC);
  if (EC)
    return llvm::createStringError(
        std::make_error_code(std::errc::io_error), "cannot listen on '%s': %s",
        Options.Paths.Socket.c_str(), EC.message().c_str());
  return llvm::Error::success();
}

std::shared_ptr<void> Server::activityToken() {
  if (Active++ == 0)
    IdleTimer.cancel();
  return std::shared_ptr<void>(nullptr, [this](void *) {
    if (--Active == 0)
      becameIdle();
  });
}

void Server::becameIdle() {
  if (Retiring)
    return boost::asio::post(IO, [this] {
      if (Active == 0)
        shutdown(RetireReason);
    });
  if (JobsStarted != JobsAtIdle) {
    JobsAtIdle = JobsStarted;
    IdleSince = std::chrono::steady_clock::now();
  }
  IdleTimer.expires_at(IdleSince + Config.IdleTimeout);
  IdleTimer.async_wait([this](boost::system::error_code EC) {
    if (!EC && Active == 0)
      shutdown(
          llvm::formatv("idle for {0}s", Config.IdleTimeout.count()));
  });
}

void Server::accept() {
  Acceptor.async_accept(
      [this](boost::system::error_code EC, stream_protocol::socket S) {
        if (EC == boost::asio::error::operation_aborted)
          return;
        if (EC == boost::asio::error::no_descriptors ||
            EC == boost::system::errc::too_many_files_open_in_system) {
          if (!OutOfDescriptors)
            Log.log("accept failed: " + EC.message() +
                    "; clients wait until a session ends");
          OutOfDescriptors = true;
          AcceptRetry.expires_after(std::chrono::milliseconds(100));
          AcceptRetry.async_wait([this](boost::system::error_code EC) {
            if (!EC && !Retiring)
              accept();
          });
          return;
        }
        if (EC) {
          Log.log("accept failed: " + EC.message());
        } else {
          OutOfDescriptors = false;
          // One stat per client (two with a secret file): cheap, and an
          // upgraded clang-dist or an edited config must not be served by
          // the old one for the rest of the build. This client's job must
          // see the new config: it is refused, and asks the next server.
          std::string Refusal;
          if (std::optional<std::string> Changed = changedConfigFile(Config)) {
            retire("'" + *Changed + "' changed", /*HandOver=*/true);
            Refusal = "'" + *Changed + "' changed; the next server reads it";
          } else if (executableReplaced()) {
            retire("clang-dist-server was replaced", /*HandOver=*/true);
          }
          ClientSession::Handlers Handle;
          Handle.Run = [this](SubmitJob Job, JobRunner::DoneFn Done) {
            ++JobsStarted;
            return Runner->run(std::move(Job), std::move(Done));
          };
          Handle.Stats = answerStats();
          Handle.Status = [this] { return status(); };
          Handle.Stop = [this] { stop(); };
          std::make_shared<ClientSession>(std::move(S), std::move(Handle), Log,
                                          activityToken())
              ->start(std::move(Refusal));
        }
        if (!Retiring)
          accept();
      });
}

ClientSession::StatsFn Server::answerStats() {
  return [this](const StatsRequest &Ask) {
    if (Ask.Zero) {
      Counters->zero();
      Log.log("stats zeroed");
    }
    StatsReply Reply;
    for (auto &[Key, Value] : Counters->counters())
      Reply.Counters.emplace_back(Key, Value);
    return Reply;
  };
}

bool Server::executableReplaced() const {
  llvm::sys::fs::file_status Now;
  if (llvm::sys::fs::status(Options.Executable, Now))
    return true;
  return Now.getUniqueID() != Started.getUniqueID() ||
         Now.getLastModificationTime() != Started.getLastModificationTime();
}

void Server::retire(const std::string &Why, bool HandOver) {
  if (Retiring)
    return;
  Log.log(Why + "; finishing the jobs in flight, then " +
          (HandOver ? "handing over to a new server" : "exiting"));
  RetireReason = HandOver ? Why + "; a new server takes over" : Why;
  Retiring = true;
  boost::system::error_code Ignored;
  Acceptor.close(Ignored);
  // The next client finds no socket and starts a server from the new file,
  // which waits for our lock: it cannot take over the path before we exit.
  ::unlink(Options.Paths.Socket.c_str());
  // With no job in flight nothing else would end it before the idle time.
  if (Active == 0)
    becameIdle();
}

void Server::stop() {
  retire("stopped by clang-dist --stop-server", /*HandOver=*/false);
}

ServerStatus Server::status() const {
  ServerStatus S;
  S.Pid = static_cast<uint32_t>(::getpid());
  S.StartTime = StartTime;
  S.ConfigPath = statusText(Config.Path);
  S.Mode = FarmMode;
  S.Retiring = Retiring;
  Runner->status(S);
  return S;
}

void Server::serveMetrics() {
  if (Config.MetricsHost.empty())
    return;
  uint16_t Port;
  llvm::Expected<int> Fd =
      listenTcp(Config.MetricsHost, Config.MetricsPort, Port);
  if (!Fd)
    return Log.log("no metrics: " + llvm::toString(Fd.takeError()));
  std::string Name = Config.Path.empty() ? "default" : Config.Path;
  Metrics = std::make_unique<MetricsEndpoint>(IO, [this, Name] {
    return renderStatsMetrics(Counters->counters(), Name, /*Running=*/true);
  });
  if (llvm::Error E = Metrics->start(*Fd))
    return Log.log("no metrics: " + llvm::toString(std::move(E)));
  Log.log(llvm::formatv("metrics on {0} port {1}", Config.MetricsHost, Port));
}

llvm::Expected<Farm> Server::ownFarm() {
  // Not the farm's secret: whoever else knows that must not get a worker
  // that reads this user's files.
  auto Secret = SharedSecret::create(Options.Paths.WorkerSecret);
  if (!Secret)
    return Secret.takeError();
  unsigned N = ownSlots();
  Farm Own;
  Own.Mode = DistributionMode::LocalFiles;
  Own.Secret = std::move(*Secret);
  Own.StartOwnWorker = [this, N] {
    return LocalWorker::start(Options.WorkerPlaces, N,
                              Options.Paths.WorkerSecret, STDERR_FILENO);
  };
  return std::move(Own);
}

void Server::shutdown(const llvm::Twine &Why) {
  Log.log("exiting: " + Why + llvm::formatv(" ({0} jobs served)", JobsStarted));
  for (const auto &[Slot, Count] : Runner->compiledBySlot())
    Log.log(llvm::formatv("  {0}: {1} translation units", Slot, Count));
  auto [Sent, Received] = Runner->traffic();
  Log.log(llvm::formatv("  traffic: sent {0} bytes to workers, received {1} "
                        "bytes",
                        Sent, Received));
  Log.log(llvm::formatv(
      "  preparing jobs took {0} ms of CPU",
      std::chrono::duration_cast<std::chrono::milliseconds>(
          Runner->preparationCpu())
          .count()));
  Counters->flush();
  if (Metrics)
    Metrics->stop();
  boost::system::error_code Ignored;
  Acceptor.close(Ignored);
  // Before the lock is released, so no successor's socket is removed.
  ::unlink(Options.Paths.Socket.c_str());
  Signals.cancel();
  IdleTimer.cancel();
  IO.stop();
}

int Server::run() {
  auto Fail = [&](const llvm::Twine &Why) {
    std::string Text = Why.str();
    Log.log(Text);
    reportStartFailure(Options.ReadyFd, Text);
    return 1;
  };
  int LockFd = ::open(Options.Paths.ServerLock.c_str(),
                      O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (LockFd < 0 || ::flock(LockFd, LOCK_EX) != 0)
    return Fail("cannot take the server lock '" + Options.Paths.ServerLock +
                "': " + std::strerror(errno));
  // The lock holder's pid, for operators and tests that need to stop it.
  std::string Pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(LockFd, 0) != 0 ||
      ::write(LockFd, Pid.data(), Pid.size()) < 0)
    Log.log("cannot record the pid in '" + Options.Paths.ServerLock + "'");
  // The server starts now: the lock may have kept it waiting for its
  // predecessor's jobs, which count neither as its idle time nor its age.
  IdleSince = std::chrono::steady_clock::now();
  StartTime = std::time(nullptr);
  if (std::error_code EC = llvm::sys::fs::status(Options.Executable, Started))
    return Fail("cannot stat '" + Options.Executable + "': " + EC.message());
  if (llvm::Error E = listen())
    return Fail(llvm::toString(std::move(E)));

  bool OwnFarm = !Config.Slots.empty() || Config.Farm;
  Farm TheFarm{Config.Slots, Config.Mode, Config.Secret,
               OwnFarm ? Options.Paths.Backoffs : std::string()};
  if (!OwnFarm) {
    llvm::Expected<Farm> Own = ownFarm();
    if (Own) {
      TheFarm = std::move(*Own);
    } else {
      TheFarm.NoSlotsReason =
          "no local worker: " + llvm::toString(Own.takeError());
      Log.log(TheFarm.NoSlotsReason + ", every job runs on the client");
    }
  }
  FarmMode = TheFarm.Mode;
  std::string Name =
      Config.Path.empty() ? "built-in default config" : Config.Path;
  if (TheFarm.StartOwnWorker)
    Log.log(llvm::formatv("serving '{0}' with {1} slots of a worker of its "
                          "own, started when a job first needs one",
                          Name, ownSlots()));
  else
    Log.log(llvm::formatv(
        "serving '{0}' with {1} slots{2}", Name, TheFarm.Slots.size(),
        Config.Farm ? " and those of the farm's registry " + Config.Farm->str()
                    : std::string()));
  // After the lock: the server before us wrote its counters at its exit.
  Counters = std::make_unique<Stats>(IO, Options.Paths.Stats, Log);
  Counters->add(statkeys::ServerStarts);
  Runner = std::make_unique<JobRunner>(IO, Pool, Config, std::move(TheFarm),
                                       Log, *Counters);
  serveMetrics();

  Signals.async_wait([this](boost::system::error_code EC, int Sig) {
    if (!EC)
      shutdown(llvm::formatv("signal {0}", Sig));
  });
  accept();
  becameIdle();
  if (Options.ReadyFd >= 0) {
    (void)!::write(Options.ReadyFd, "ready\n", 6);
    ::close(Options.ReadyFd);
  }
  IO.run();
  Pool.stop();
  Pool.join();
  Runner.reset();
  ::close(LockFd);
  return 0;
}

} // namespace

int clang::dist::runLocalServer(const LocalServerOptions &Options) {
  std::signal(SIGPIPE, SIG_IGN);
  // One descriptor per waiting client: make -j300 needs more than the soft
  // limit a shell hands down, and the hard limit is ours to take.
  rlimit Files;
  if (::getrlimit(RLIMIT_NOFILE, &Files) == 0 && Files.rlim_cur < Files.rlim_max) {
    Files.rlim_cur = Files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &Files);
  }
  // Lets a job's preprocessing crash without the server (JobRunner).
  llvm::CrashRecoveryContext::Enable();
  auto Log = Logger::openFile(Options.Paths.Log, "local-server");
  if (!Log) {
    std::string Message = llvm::toString(Log.takeError());
    reportStartFailure(Options.ReadyFd, Message);
    Message += "\n";
    (void)!::write(STDERR_FILENO, Message.data(), Message.size());
    return 1;
  }
  // The client that started us made our stderr the log too: clang's last
  // words go there, and follow it when it is rotated. (Its own worker keeps
  // the descriptor it was started with: after a rotation, the worker's lines
  // go to the .log.1 it became.)
  struct stat LogStatus, ErrStatus;
  bool StderrIsLog = ::stat(Options.Paths.Log.c_str(), &LogStatus) == 0 &&
                     ::fstat(STDERR_FILENO, &ErrStatus) == 0 &&
                     LogStatus.st_dev == ErrStatus.st_dev &&
                     LogStatus.st_ino == ErrStatus.st_ino;
  Log->rotateAt(Options.Config.LogMaxSize, StderrIsLog);
  Server S(Options, *Log);
  return S.run();
}

void clang::dist::reportStartFailure(int ReadyFd, llvm::StringRef Why) {
  if (ReadyFd < 0)
    return;
  std::string Line = "error: " + Why.str();
  std::replace(Line.begin(), Line.end(), '\n', ' ');
  Line += '\n';
  (void)!::write(ReadyFd, Line.data(), Line.size());
  ::close(ReadyFd);
}
