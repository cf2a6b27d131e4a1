//===- unittests/Protocol/DecoderChecks.h - Decoder checks ------*- C++ -*-===//

#ifndef CLANG_DIST_UNITTESTS_PROTOCOL_DECODERCHECKS_H
#define CLANG_DIST_UNITTESTS_PROTOCOL_DECODERCHECKS_H

#include "ExpectedMatchers.h"
#include "llvm/Support/Endian.h"
#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <string>

namespace clang::dist::test {

/// Every strict prefix of a valid encoding is truncated somewhere. Each
/// prefix is copied to a heap block of exactly its size (a std::string might
/// keep it inline), so that a decoder reading past the end is caught by
/// AddressSanitizer and valgrind.
template <typename M>
void checkEveryPrefixFails(const std::string &Encoded,
                           llvm::Expected<M> (*Decode)(llvm::StringRef)) {
  for (size_t Length = 0; Length < Encoded.size(); ++Length) {
    INFO("prefix of " << Length << " of " << Encoded.size() << " bytes");
    std::unique_ptr<char[]> Prefix(new char[Length]);
    std::memcpy(Prefix.get(), Encoded.data(), Length);
    // A Hello shorter than its magic cannot be told from a stranger's bytes.
    CHECK_THAT(errorText(Decode(llvm::StringRef(Prefix.get(), Length))),
               Catch::Matchers::Contains("truncated or malformed field") ||
                   Catch::Matchers::Contains("bad magic"));
  }
}

inline void overwriteU32(std::string &Bytes, size_t Offset, uint32_t Value) {
  REQUIRE(Offset + 4 <= Bytes.size());
  llvm::support::endian::write32le(Bytes.data() + Offset, Value);
}

} // namespace clang::dist::test

#endif
