//===- Tls/LinkStream.cpp - A link to a slot, in TLS or plain -------------===//

#include "Tls/LinkStream.h"
#include "Protocol/AsyncFrame.h"
#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

using namespace clang::dist;

char TlsError::ID;

void TlsError::log(llvm::raw_ostream &OS) const { OS << Message; }

std::error_code TlsError::convertToErrorCode() const {
  return std::make_error_code(std::errc::protocol_error);
}

LinkStream::LinkStream(boost::asio::ip::tcp::socket Socket)
    : Socket(std::move(Socket)) {}

LinkStream::~LinkStream() = default;

void LinkStream::handshake(TlsContext &Context,
                           std::function<void(llvm::Error)> Done) {
  Tls = std::make_unique<
      boost::asio::ssl::stream<boost::asio::ip::tcp::socket &>>(Socket,
                                                                Context.asio());
  bool Client = Context.role() == SharedSecret::Role::Server;
  Tls->async_handshake(
      Client ? boost::asio::ssl::stream_base::client
             : boost::asio::ssl::stream_base::server,
      [this, Done = std::move(Done)](boost::system::error_code EC) {
        if (EC)
          return Done(streamError(*this, EC));
        // Only a handshake on the PSK authenticates the peer; the contexts
        // allow no other, and this says so where it matters.
        if (!SSL_session_reused(Tls->native_handle()))
          return Done(llvm::make_error<TlsError>(
              TlsError::WrongKey, "TLS handshake without the shared key"));
        Done(llvm::Error::success());
      });
}

void LinkStream::close() {
  boost::system::error_code Ignored;
  Socket.close(Ignored);
}

/// Whether OpenSSL's \p Reason says the two ends' keys differ: the worker
/// finds the binder of our PSK wrong, and tells us with an alert (OpenSSL 3
/// sends illegal_parameter, RFC 8446 asks for decrypt_error). Both ends
/// offer one suite, one group set and one identity, so nothing else of
/// theirs can be illegal.
static bool wrongKey(int Reason) {
  return Reason == SSL_R_BINDER_DOES_NOT_VERIFY ||
         Reason == SSL_R_TLSV1_ALERT_DECRYPT_ERROR ||
         Reason == SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER;
}

llvm::Error clang::dist::streamError(const LinkStream &S,
                                     const boost::system::error_code &EC) {
  if (EC == boost::asio::ssl::error::stream_truncated)
    return llvm::make_error<PeerClosed>();
  if (EC.category() == boost::asio::error::get_ssl_category()) {
    int Reason = ERR_GET_REASON(static_cast<unsigned long>(EC.value()));
    return llvm::make_error<TlsError>(wrongKey(Reason) ? TlsError::WrongKey
                                                       : TlsError::Failed,
                                      "TLS: " + EC.message());
  }
  return asioError(EC);
}
