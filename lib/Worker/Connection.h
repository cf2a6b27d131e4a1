//===- Worker/Connection.h - One local server -------------------*- C++ -*-===//
//
// A slot's connection to one local server, on the io thread: TLS if the
// server starts it (required off loopback), the handshake (versions, and the
// shared secret's proofs), then jobs for the queue when the slot takes them
// (SlotGate.h; SlotBusy when it does not, SlotFree when it offers itself),
// heartbeats while results are owed, the results, and the replies to the
// compile thread's questions, which it hands over (PendingReply.h). Owned by
// the handlers in flight on it and by its queued jobs.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_CONNECTION_H
#define CLANG_DIST_WORKER_CONNECTION_H

#include "Protocol/AsyncFrame.h"
#include "Tls/LinkStream.h"
#include "Worker/JobConnection.h"
#include "Worker/JobQueue.h"
#include "Worker/PendingReply.h"
#include "Worker/Slot.h"
#include "Worker/SlotGate.h"
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

namespace clang::dist {

class Connection : public JobConnection,
                   public std::enable_shared_from_this<Connection> {
public:
  /// \p HandshakeEnded is called on the io thread once the peer has proved
  /// itself, or the connection closed before it did. \p Tls is the secret's
  /// (none without one). \p Gate says whether the slot takes a job now.
  Connection(boost::asio::ip::tcp::socket Socket, const SlotOptions &Options,
             TlsContext *Tls, Logger &Log, JobQueue &Queue, SlotGate &Gate,
             SlotCounters &Counters, std::function<void()> HandshakeEnded);
  ~Connection() override;

  /// On the io thread: TLS if the peer starts it, the handshake, then jobs.
  void start();
  /// On the io thread: a job in flight is lost. \p Why is logged unless
  /// empty.
  void close(const llvm::Twine &Why);
  /// On the io thread: tells the server the slot is free and reserved for
  /// it (SlotFree). False if the connection is closed.
  bool offer();

  bool isOpen() const override { return Pending.isOpen(); }
  llvm::Expected<Frame> ask(std::string Question,
                            MessageType ReplyType) override;
  void abandon(const std::string &Why) override;
  void deliver(CompileResult Result) override;
  /// The compile thread's alone.
  ClientAnswers &answers() override { return Known; }
  const std::string &peerName() const override { return PeerName; }
  const std::string &user() const override { return User; }

private:
  /// TLS if the peer's first byte starts a TLS record, then readHello.
  void secure();
  void readHello();
  void readAuthenticate(const Nonce &Peer, const Nonce &Ours);
  void refuse(PeerRefusal Why, const std::string &Reason);
  /// Ends the handshake of a peer that did not prove itself.
  void drop(PeerRefusal Why, const llvm::Twine &Reason);
  /// Once the peer is known: from now on it may send jobs.
  void serve();
  void leaveHandshake();
  void readJobs();
  void queue(CompileJob Job);
  void send(CompileResult Result);
  void heartbeat();

  LinkStream Link;
  std::shared_ptr<FrameWriteQueue<LinkStream>> Writer;
  boost::asio::steady_timer Timer;
  const SlotOptions &Options;
  TlsContext *Tls;
  /// The connection came to a non-loopback address: a plaintext Hello is
  /// refused.
  bool TlsRequired = false;
  /// The peer's first byte, peeked at.
  uint8_t FirstByte = 0;
  Logger &Log;
  JobQueue &Queue;
  SlotGate &Gate;
  SlotCounters &Counters;
  std::function<void()> HandshakeEnded;
  std::string PeerName;
  /// Whose jobs the server sends (Hello::User), for SlotTurns.
  std::string User;
  /// The gate's number for this connection, once served.
  std::optional<SlotTurns::ConnectionId> GateId;
  /// Results owed, and jobs received; the io thread's.
  unsigned Outstanding = 0;
  unsigned Jobs = 0;
  /// Counted in the slot's handshakes; the io thread's.
  bool InHandshake = true;
  /// Counted in the slot's open connections; the io thread's.
  bool CountedOpen = true;
  /// Answers that arrived for the next job; the io thread's.
  std::vector<Answers::Entry> Learned;
  ClientAnswers Known;
  /// The compile thread's question in flight; closed with the connection.
  PendingReply Pending;
};

} // namespace clang::dist

#endif
