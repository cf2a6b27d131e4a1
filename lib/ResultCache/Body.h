//===- ResultCache/Body.h - The bytes of a sealed value ---------*- C++ -*-===//
//
// Little-endian fields, written and read back. The reader fails for good at
// the first field the bytes cannot hold: a value is checked by its seal, but
// a body must still never make a reader run past its end or allocate what
// it merely declares.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_BODY_H
#define CLANG_DIST_RESULTCACHE_BODY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Endian.h"
#include <string>

namespace clang::dist {

class BodyWriter {
public:
  void u8(uint8_t V) { Out.push_back(static_cast<char>(V)); }
  void u32(uint32_t V) {
    char B[4];
    llvm::support::endian::write32le(B, V);
    Out.append(B, 4);
  }
  void u64(uint64_t V) {
    char B[8];
    llvm::support::endian::write64le(B, V);
    Out.append(B, 8);
  }
  void bytes(llvm::StringRef S) { Out.append(S.data(), S.size()); }
  std::string Out;
};

/// Reads with a sticky failure: after one, every read returns zero.
class BodyReader {
public:
  explicit BodyReader(llvm::StringRef Data) : Data(Data) {}
  bool failed() const { return Failed; }
  bool atEnd() const { return Data.empty(); }
  uint8_t u8() {
    llvm::StringRef B = take(1);
    return B.empty() ? 0 : static_cast<uint8_t>(B[0]);
  }
  uint32_t u32() {
    llvm::StringRef B = take(4);
    return B.empty() ? 0 : llvm::support::endian::read32le(B.data());
  }
  uint64_t u64() {
    llvm::StringRef B = take(8);
    return B.empty() ? 0 : llvm::support::endian::read64le(B.data());
  }
  uint32_t count(uint32_t Max) {
    uint32_t N = u32();
    // Each element takes at least a byte: a count the rest cannot hold is
    // garbage, and is refused before anything is allocated for it.
    if (N > Max || N > Data.size())
      Failed = true;
    return Failed ? 0 : N;
  }
  llvm::StringRef take(uint64_t N) {
    if (Failed || Data.size() < N) {
      Failed = true;
      return {};
    }
    llvm::StringRef B = Data.take_front(N);
    Data = Data.drop_front(N);
    return B;
  }

private:
  llvm::StringRef Data;
  bool Failed = false;
};

} // namespace clang::dist

#endif
