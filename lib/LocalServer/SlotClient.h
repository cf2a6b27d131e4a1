//===- LocalServer/SlotClient.h - The link to one slot ----------*- C++ -*-===//
//
// Keeps one connection to a slot open across jobs (connect and handshake once
// per build, not per job) and runs one job at a time on it. A slow compile is
// told from a dead peer by heartbeats: the worker speaks at least every second
// while it owes a result, and silence longer than the heartbeat timeout fails
// the job. A slot busy with another server's job refuses ours at once
// (SlotBusy); the connection then waits, without a deadline, for the slot to
// offer itself (SlotFree), and the pool takes the offer with a job or
// declines it.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_SLOTCLIENT_H
#define CLANG_DIST_LOCALSERVER_SLOTCLIENT_H

#include "Config/Config.h"
#include "LocalServer/SlotQuestions.h"
#include "Protocol/Messages.h"
#include "Tls/LinkStream.h"
#include "llvm/Support/Error.h"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

namespace clang::dist {

/// Why a slot failed a job. The kinds call for different handling: a worker
/// that cannot be reached, goes silent or talks garbage is backed off; a slot
/// process that dies during a job was most likely killed by that job (its
/// supervisor restarts it at once), so the job, not the slot, is suspect.
/// The kinds before the job went out also tell the user what to fix
/// (fallbackCause).
class SlotFailure : public llvm::ErrorInfo<SlotFailure> {
public:
  enum Kind {
    /// Resolve or connect failed, or the connection broke in the handshake.
    Unreachable,
    /// Connecting or the handshake took longer than the connect timeout.
    TimedOut,
    /// The worker refused the handshake for a reason of its own.
    Refused,
    /// The worker speaks another protocol version or has another clang.
    VersionMismatch,
    /// Either side could not prove the shared secret the other expects
    /// (the proofs, or TLS's key).
    WrongSecret,
    /// No frame within the heartbeat timeout while a result was owed.
    Silent,
    /// The connection ended while the job was on the worker.
    Lost,
    /// A frame that does not decode or does not belong there, or a TLS
    /// record that does not (changed on the way).
    Garbage,
  };
  static char ID;

  SlotFailure(Kind K, std::string Message)
      : K(K), Message(std::move(Message)) {}
  Kind kind() const { return K; }
  void log(llvm::raw_ostream &OS) const override { OS << Message; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  Kind K;
  std::string Message;
};

/// The slot was busy with another server's job, or offered to another
/// server, and refused ours at once: no failure, and nothing of the job ran.
/// The job goes to another slot; this one offers itself when it is our turn.
class SlotBusyError : public llvm::ErrorInfo<SlotBusyError> {
public:
  static char ID;
  void log(llvm::raw_ostream &OS) const override {
    OS << "slot busy with another connection's job";
  }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
};

/// What a job that \p K made run on the client tells the user.
FallbackCause fallbackCause(SlotFailure::Kind K);

/// A worker's result, with the answers about the client's files that its
/// compile used (sources mode), for the caller to check.
struct RemoteResult {
  CompileResult Result;
  std::vector<const GivenAnswer *> Consulted;
};

class SlotClient {
public:
  using DoneFn = std::function<void(llvm::Expected<RemoteResult>)>;

  /// The config's timeouts apply; \p Secret is proved, and asked for.
  /// \p Tls (the secret's, or none) secures the link if the slot is not on
  /// loopback, or if the config says `tls always`.
  /// \p Questions answers the worker's questions; none: the mode sends all
  /// a job reads with the job, and a question is garbage.
  SlotClient(boost::asio::io_context &IO, SlotAddress Endpoint,
             const DistConfig &Config,
             const std::optional<SharedSecret> &Secret, TlsContext *Tls,
             SlotQuestions *Questions);
  ~SlotClient();

  const SlotAddress &endpoint() const { return Endpoint; }
  /// Connecting ahead of a job (probe), or for one.
  bool connecting() const { return Connecting != nullptr; }

  /// Sends the answers the worker has not had yet and \p JobFrame (an
  /// encoded CompileJob frame), answers the worker's questions about files and
  /// requests for contents, and calls \p Done once with the result or with a
  /// SlotFailure. On error the connection is dropped; the next job
  /// reconnects.
  void run(std::shared_ptr<const std::string> JobFrame, uint64_t JobId,
           DoneFn Done);

  /// Connects now, ahead of any job, so that the slots a job may need are
  /// tried at once, not one after another as each fails it. Does nothing
  /// while connected or connecting. \p Failed is called with the
  /// SlotFailure if the connection fails before a job comes to use it; a
  /// job that run() is given meanwhile takes the connection over, and hears
  /// of its failure through its own DoneFn instead.
  void probe(DoneFn Failed);

  /// Called when the slot, having refused a job of ours, offers itself
  /// (SlotFree): the caller answers with run() or decline(), at once.
  /// \p Lost: the connection ended while we waited for the offer; the slot
  /// is ours to try again (a job reconnects).
  void onOffer(std::function<void()> Offered, std::function<void()> Lost) {
    OnOffer = std::move(Offered);
    OnLost = std::move(Lost);
  }
  /// Declines the offer: no job waits.
  void decline();
  /// The offer came and was neither taken nor declined yet.
  bool offered() const { return Offered; }
  /// The worker's speed (HelloReply::Speed), 0 until connected.
  uint32_t speed() const { return Speed; }

  /// Bytes of frames written to and read from the worker, for the log.
  uint64_t bytesSent() const { return BytesSent; }
  uint64_t bytesReceived() const { return BytesReceived; }

private:
  struct Attempt;
  void connect(std::shared_ptr<Attempt> A);
  /// TLS, if the link needs it, then the handshake.
  void secure(std::shared_ptr<Attempt> A);
  void handshake(std::shared_ptr<Attempt> A);
  /// The handshake is done: sends the job, if one came.
  void connected(std::shared_ptr<Attempt> A);
  /// Checks the worker's proof of the shared secret; returns the Authenticate
  /// frame to send, or null when neither side has a secret.
  llvm::Expected<std::shared_ptr<const std::string>>
  authenticate(const HelloReply &Reply, const Nonce &Ours);
  void send(std::shared_ptr<Attempt> A);
  void write(std::shared_ptr<Attempt> A,
             std::shared_ptr<const std::string> Bytes);
  void awaitResult(std::shared_ptr<Attempt> A);
  /// After a refusal: reads the slot's offer, or the connection's end.
  void awaitOffer();
  /// Answers a question of the worker's about job \p A (a Lookup, a
  /// NeedBlobs) with what \p Answer makes of it, or fails the job.
  template <typename Question, typename AnswerFn>
  void reply(std::shared_ptr<Attempt> A, llvm::Expected<Question> Asked,
             AnswerFn Answer);
  void armTimer(std::shared_ptr<Attempt> A, std::chrono::milliseconds After,
                const char *What);
  void fail(std::shared_ptr<Attempt> A, llvm::Error E);
  void failGarbage(std::shared_ptr<Attempt> A, llvm::Error E);

  boost::asio::io_context &IO;
  SlotAddress Endpoint;
  const DistConfig &Config;
  const std::optional<SharedSecret> &Secret;
  TlsContext *Tls;
  std::unique_ptr<LinkStream> Link;
  boost::asio::ip::tcp::resolver Resolver;
  boost::asio::steady_timer Timer;
  bool Connected = false;
  /// The attempt whose connect and handshake are under way.
  std::shared_ptr<Attempt> Connecting;
  SlotQuestions *Questions;
  /// How many answers this connection has had (SlotQuestions::answersSince).
  size_t Told = 0;
  uint64_t BytesSent = 0;
  uint64_t BytesReceived = 0;
  uint32_t Speed = 0;
  std::function<void()> OnOffer;
  std::function<void()> OnLost;
  bool Offered = false;
  /// A DeclineSlot is being written; a job's frame waits for it, so that
  /// the two never interleave.
  bool Declining = false;
  std::function<void()> AfterDecline;
};

} // namespace clang::dist

#endif
