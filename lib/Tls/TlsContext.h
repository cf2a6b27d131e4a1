//===- Tls/TlsContext.h - TLS 1.3 keyed by the farm's secret ----*- C++ -*-===//
//
// Links between a local server and a worker on another machine cross a
// network that others may read and write, so they are TLS 1.3. Both ends
// already share the farm's secret: it is the session's external pre-shared
// key (RFC 8446's external PSK), so neither end needs a certificate, and a
// peer without the secret cannot finish the TLS handshake. The key exchange
// is psk_dhe_ke only (an ephemeral (EC)DHE share on top of the PSK), so a
// secret that leaks later does not decrypt recorded sessions.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_TLS_TLSCONTEXT_H
#define CLANG_DIST_TLS_TLSCONTEXT_H

#include "Protocol/SharedSecret.h"
#include <array>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>

namespace clang::dist {

/// The PSK's identity: one farm, one key.
inline constexpr char TlsPskIdentity[] = "clang-dist farm";

class TlsContext {
public:
  /// A context for \p Who's end of a link (the local server is the TLS
  /// client, the worker the TLS server), keyed by \p Secret's tlsKey().
  static std::unique_ptr<TlsContext> create(SharedSecret::Role Who,
                                            const SharedSecret &Secret);

  SharedSecret::Role role() const { return Who; }
  boost::asio::ssl::context &asio() { return Context; }

private:
  TlsContext(SharedSecret::Role Who, const SharedSecret &Secret);
  static int useSession(SSL *S, const EVP_MD *Digest, const unsigned char **Id,
                        size_t *IdLength, SSL_SESSION **Session);
  static int findSession(SSL *S, const unsigned char *Id, size_t IdLength,
                         SSL_SESSION **Session);
  /// A new session holding the PSK, for \p S; null on failure.
  SSL_SESSION *pskSession(SSL *S) const;

  SharedSecret::Role Who;
  boost::asio::ssl::context Context;
  std::array<uint8_t, 32> Key;
};

} // namespace clang::dist

#endif
