//===- Tls/TlsContext.cpp - TLS 1.3 keyed by the farm's secret ------------===//

#include "Tls/TlsContext.h"
#include "llvm/ADT/StringRef.h"
#include <openssl/ssl.h>

using namespace clang::dist;

/// TLS_AES_128_GCM_SHA256, which every TLS 1.3 implementation has: the PSK
/// is bound to a hash, SHA-256, and AES-GCM runs at GB/s with AES-NI.
static const unsigned char PskCipher[] = {0x13, 0x01};

/// Where an SSL_CTX keeps its TlsContext, for the callbacks (not app_data:
/// Asio's context keeps its verify callback there).
static int contextIndex() {
  static const int Index =
      SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return Index;
}

std::unique_ptr<TlsContext> TlsContext::create(SharedSecret::Role Who,
                                               const SharedSecret &Secret) {
  return std::unique_ptr<TlsContext>(new TlsContext(Who, Secret));
}

TlsContext::TlsContext(SharedSecret::Role Who, const SharedSecret &Secret)
    : Who(Who), Context(Who == SharedSecret::Role::Server
                            ? boost::asio::ssl::context::tls_client
                            : boost::asio::ssl::context::tls_server),
      Key(Secret.tlsKey()) {
  SSL_CTX *Ctx = Context.native_handle();
  SSL_CTX_set_min_proto_version(Ctx, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(Ctx, TLS1_3_VERSION);
  SSL_CTX_set_ciphersuites(Ctx, "TLS_AES_128_GCM_SHA256");
  // Left unset, SSL_OP_ALLOW_NO_DHE_KEX keeps psk_ke (no forward secrecy)
  // out of both ends. Connections last a build: no tickets, no resumption.
  SSL_CTX_clear_options(Ctx, SSL_OP_ALLOW_NO_DHE_KEX);
  SSL_CTX_set_options(Ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(Ctx, 0);
  SSL_CTX_set_session_cache_mode(Ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_ex_data(Ctx, contextIndex(), this);
  if (Who == SharedSecret::Role::Server) {
    // A peer that answers with a certificate instead of the PSK fails
    // verification: there is nothing it could be verified against.
    SSL_CTX_set_verify(Ctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_psk_use_session_callback(Ctx, useSession);
  } else {
    // The worker has no certificate: a client without the PSK cannot
    // complete a handshake.
    SSL_CTX_set_psk_find_session_callback(Ctx, findSession);
  }
}

SSL_SESSION *TlsContext::pskSession(SSL *S) const {
  const SSL_CIPHER *Cipher = SSL_CIPHER_find(S, PskCipher);
  SSL_SESSION *Session = SSL_SESSION_new();
  if (!Cipher || !Session)
    return Session;
  if (!SSL_SESSION_set1_master_key(Session, Key.data(), Key.size()) ||
      !SSL_SESSION_set_cipher(Session, Cipher) ||
      !SSL_SESSION_set_protocol_version(Session, TLS1_3_VERSION)) {
    SSL_SESSION_free(Session);
    return nullptr;
  }
  return Session;
}

static const TlsContext &contextOf(SSL *S) {
  return *static_cast<const TlsContext *>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(S), contextIndex()));
}

int TlsContext::useSession(SSL *S, const EVP_MD *Digest,
                           const unsigned char **Id, size_t *IdLength,
                           SSL_SESSION **Session) {
  // A second call (after a HelloRetryRequest) names the hash the worker
  // chose; ours is SHA-256, as the only suite both ends offer.
  *Session = contextOf(S).pskSession(S);
  if (!*Session)
    return 0;
  *Id = reinterpret_cast<const unsigned char *>(TlsPskIdentity);
  *IdLength = sizeof(TlsPskIdentity) - 1;
  return 1;
}

int TlsContext::findSession(SSL *S, const unsigned char *Id, size_t IdLength,
                            SSL_SESSION **Session) {
  // Another identity gets no session, and the handshake fails: the worker
  // has no certificate to fall back on.
  llvm::StringRef Claimed(reinterpret_cast<const char *>(Id), IdLength);
  if (Claimed != TlsPskIdentity) {
    *Session = nullptr;
    return 1;
  }
  *Session = contextOf(S).pskSession(S);
  return *Session ? 1 : 0;
}
