//===- Protocol/SharedSecret.cpp - Who may talk to a worker ---------------===//

#include "Protocol/SharedSecret.h"
#include "Support/AtomicFile.h"
#include "Support/PrivateFile.h"
#include "llvm-c/blake3.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace clang::dist;

Nonce clang::dist::freshNonce() {
  Nonce N;
  size_t Done = 0;
  while (Done < N.size()) {
    ssize_t Got = ::getrandom(N.data() + Done, N.size() - Done, 0);
    if (Got > 0)
      Done += Got;
    else if (errno != EINTR)
      llvm::report_fatal_error("getrandom failed");
  }
  return N;
}

llvm::Expected<SharedSecret> SharedSecret::load(llvm::StringRef Path) {
  llvm::Expected<std::string> Text = readPrivateFile(Path, "secret file");
  if (!Text)
    return Text.takeError();
  llvm_blake3_hasher Hasher;
  llvm_blake3_hasher_init_derive_key(&Hasher,
                                     "clang-dist 2026 shared secret key");
  llvm_blake3_hasher_update(&Hasher, Text->data(), Text->size());
  std::array<uint8_t, 32> Key;
  llvm_blake3_hasher_finalize(&Hasher, Key.data(), Key.size());
  return SharedSecret(Key);
}

llvm::Expected<SharedSecret> SharedSecret::create(llvm::StringRef PathRef) {
  std::string Path = PathRef.str();
  std::string Text = llvm::toHex(freshNonce(), /*LowerCase=*/true) + "\n";
  // A new file, whose mode is ours from the start, replacing any old one at
  // once: a server that reads it meanwhile finds the old secret or the new,
  // never an empty file.
  if (llvm::Error E = writeFileAtomically(Path, Text, 0600)) {
    std::error_code EC = llvm::errorToErrorCode(std::move(E));
    return llvm::createStringError(EC, "cannot write secret file '%s': %s",
                                   Path.c_str(), EC.message().c_str());
  }
  return load(Path);
}

Proof SharedSecret::prove(Role Who, const Nonce &ProverNonce,
                          const Nonce &PeerNonce) const {
  llvm_blake3_hasher Hasher;
  llvm_blake3_hasher_init_keyed(&Hasher, Key.data());
  uint8_t R = static_cast<uint8_t>(Who);
  llvm_blake3_hasher_update(&Hasher, &R, 1);
  llvm_blake3_hasher_update(&Hasher, ProverNonce.data(), ProverNonce.size());
  llvm_blake3_hasher_update(&Hasher, PeerNonce.data(), PeerNonce.size());
  Proof P;
  llvm_blake3_hasher_finalize(&Hasher, P.data(), P.size());
  return P;
}

bool SharedSecret::verify(const Proof &Claimed, Role Who,
                          const Nonce &ProverNonce,
                          const Nonce &PeerNonce) const {
  Proof Expected = prove(Who, ProverNonce, PeerNonce);
  uint8_t Diff = 0;
  for (size_t I = 0; I != Expected.size(); ++I)
    Diff |= Expected[I] ^ Claimed[I];
  return Diff == 0;
}

/// \p Key derived for one use, named by \p Context.
static std::array<uint8_t, 32> derive(const std::array<uint8_t, 32> &Key,
                                      const char *Context) {
  llvm_blake3_hasher Hasher;
  llvm_blake3_hasher_init_derive_key(&Hasher, Context);
  llvm_blake3_hasher_update(&Hasher, Key.data(), Key.size());
  std::array<uint8_t, 32> Derived;
  llvm_blake3_hasher_finalize(&Hasher, Derived.data(), Derived.size());
  return Derived;
}

std::array<uint8_t, 32> SharedSecret::tlsKey() const {
  return derive(Key, "clang-dist 2026 TLS 1.3 external PSK");
}

std::array<uint8_t, 32> SharedSecret::cacheKey() const {
  return derive(Key, "clang-dist 2026 shared result cache signature");
}
