//===- Protocol/SharedSecret.h - Who may talk to a worker -------*- C++ -*-===//
//
// A worker compiles whatever it is sent and a local server sends it the user's
// sources, so each must know the other is one of its own: both read a secret
// from a file only its owner can read, and every connection proves knowledge
// of it both ways without sending it. Each side picks a random nonce; each
// proof is a keyed BLAKE3 of its role and both nonces, so a proof seen on
// the wire answers no other connection.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_PROTOCOL_SHAREDSECRET_H
#define CLANG_DIST_PROTOCOL_SHAREDSECRET_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <array>
#include <cstdint>

namespace clang::dist {

using Nonce = std::array<uint8_t, 32>;
using Proof = std::array<uint8_t, 32>;

/// From the kernel's random source.
Nonce freshNonce();

class SharedSecret {
public:
  /// Reads the secret from \p Path. Fails, naming the path, if the file is
  /// missing, empty, not owned by this user, or readable or writable by
  /// anyone else (it must be mode 0600 or stricter).
  static llvm::Expected<SharedSecret> load(llvm::StringRef Path);
  /// Writes a fresh random secret to \p Path, mode 0600, replacing whatever
  /// was there, and loads it: the secret of a local server and the worker it
  /// starts, which nobody else needs to know.
  static llvm::Expected<SharedSecret> create(llvm::StringRef Path);

  enum class Role : uint8_t { Worker = 1, Server = 2 };

  /// What \p Who sends to show it knows the secret, on a connection where it
  /// chose \p ProverNonce and its peer \p PeerNonce.
  Proof prove(Role Who, const Nonce &ProverNonce,
              const Nonce &PeerNonce) const;
  /// Whether \p Claimed is \p Who's proof; in constant time.
  bool verify(const Proof &Claimed, Role Who, const Nonce &ProverNonce,
              const Nonce &PeerNonce) const;

  /// The TLS 1.3 external pre-shared key of links off this machine
  /// (Tls/TlsContext.h): derived from the secret with a context of its own,
  /// so that it is independent of the proofs' key.
  std::array<uint8_t, 32> tlsKey() const;
  /// The key that signs a team's shared result cache values
  /// (ResultCache/SharedStore.h), independent of the others in the same way.
  std::array<uint8_t, 32> cacheKey() const;

private:
  explicit SharedSecret(const std::array<uint8_t, 32> &Key) : Key(Key) {}
  std::array<uint8_t, 32> Key;
};

} // namespace clang::dist

#endif
