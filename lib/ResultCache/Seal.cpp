//===- ResultCache/Seal.cpp - A value checked before it is used -----------===//
//
// Layout: "CDRC", u32 format version (little-endian), the kind's letter, the
// 32-byte digest of the body, the body.
//
//===----------------------------------------------------------------------===//

#include "ResultCache/Seal.h"
#include "llvm/Support/Endian.h"

using namespace clang::dist;

namespace {
constexpr llvm::StringLiteral Magic = "CDRC";
constexpr uint32_t FormatVersion = 1;
constexpr size_t HeaderSize = 4 + 4 + 1 + 32;
} // namespace

std::string clang::dist::seal(SealedKind Kind, llvm::StringRef Body) {
  std::string Value(Magic);
  char Version[4];
  llvm::support::endian::write32le(Version, FormatVersion);
  Value.append(Version, 4);
  Value.push_back(static_cast<char>(Kind));
  ContentDigest D = digestContents(Body);
  Value.append(reinterpret_cast<const char *>(D.data()), D.size());
  Value.append(Body.data(), Body.size());
  return Value;
}

llvm::Expected<llvm::StringRef> clang::dist::unseal(SealedKind Kind,
                                                    llvm::StringRef Value) {
  auto Bad = [](const char *Why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), Why);
  };
  if (Value.size() < HeaderSize || !Value.startswith(Magic))
    return Bad("not a clang-dist cache value");
  if (llvm::support::endian::read32le(Value.data() + 4) != FormatVersion)
    return Bad("another version's cache value");
  if (Value[8] != static_cast<char>(Kind))
    return Bad("a cache value of another kind");
  llvm::StringRef Body = Value.drop_front(HeaderSize);
  ContentDigest D = digestContents(Body);
  if (llvm::StringRef(reinterpret_cast<const char *>(D.data()), D.size()) !=
      Value.substr(9, 32))
    return Bad("a damaged cache value: its digest does not match");
  return Body;
}

std::string clang::dist::storeKey(SealedKind Kind,
                                  const ContentDigest &Digest) {
  return static_cast<char>(Kind) + toHex(Digest);
}
