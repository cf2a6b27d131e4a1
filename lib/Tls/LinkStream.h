//===- Tls/LinkStream.h - A link to a slot, in TLS or plain -----*- C++ -*-===//
//
// The stream between a local server and a slot: TCP, with TLS over it once
// handshake() succeeds (a link off this machine), plain otherwise (loopback).
// The frame helpers (Protocol/AsyncFrame.h) read and write it as any Asio
// stream, so the protocol above is the same either way.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_TLS_LINKSTREAM_H
#define CLANG_DIST_TLS_LINKSTREAM_H

#include "Tls/TlsContext.h"
#include "llvm/Support/Error.h"
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <functional>
#include <memory>

namespace clang::dist {

/// TLS failed: the handshake, or a record that does not decrypt (changed on
/// the way). Distinct from a ProtocolError (the peer's frames) and from an
/// I/O error (the network's): only a peer without the key, or someone
/// between the two ends, makes one.
class TlsError : public llvm::ErrorInfo<TlsError> {
public:
  enum Kind {
    /// The two ends hold different keys (a wrong secret).
    WrongKey,
    /// Any other TLS failure: a damaged record, a peer that does not
    /// speak TLS 1.3 with a PSK.
    Failed,
  };
  static char ID;
  TlsError(Kind K, std::string Message) : K(K), Message(std::move(Message)) {}
  Kind kind() const { return K; }
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  Kind K;
  std::string Message;
};

class LinkStream {
public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;

  explicit LinkStream(boost::asio::ip::tcp::socket Socket);
  ~LinkStream();

  /// The TCP connection under any TLS: to connect, peek, close.
  boost::asio::ip::tcp::socket &socket() { return Socket; }
  /// Runs the TLS handshake in \p Context's role, then calls \p Done with
  /// success (every byte from now on is TLS) or the failure.
  void handshake(TlsContext &Context, std::function<void(llvm::Error)> Done);
  bool encrypted() const { return Tls != nullptr; }
  /// Closes the socket; pending operations end with operation_aborted.
  void close();

  executor_type get_executor() { return Socket.get_executor(); }
  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers &B, Handler &&H) {
    if (Tls)
      return Tls->async_read_some(B, std::forward<Handler>(H));
    Socket.async_read_some(B, std::forward<Handler>(H));
  }
  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers &B, Handler &&H) {
    if (Tls)
      return Tls->async_write_some(B, std::forward<Handler>(H));
    Socket.async_write_some(B, std::forward<Handler>(H));
  }

private:
  boost::asio::ip::tcp::socket Socket;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket &>> Tls;
};

/// \p EC of an operation on \p S as an llvm::Error: a TLS failure is a
/// TlsError; a TLS stream that ends without TLS's close_notify ends as a
/// plain one does, a PeerClosed (frames carry their length, so a cut at a
/// frame's end loses nothing, and one inside a frame fails its read); the
/// rest as asioError. The frame helpers find it by argument-dependent lookup.
llvm::Error streamError(const LinkStream &S,
                        const boost::system::error_code &EC);

} // namespace clang::dist

#endif
