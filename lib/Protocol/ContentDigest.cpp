//===- Protocol/ContentDigest.cpp - Names of file contents ----------------===//

#include "Protocol/ContentDigest.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/BLAKE3.h"

using namespace clang::dist;

ContentDigest clang::dist::digestContents(llvm::StringRef Data) {
  llvm::BLAKE3 Hasher;
  Hasher.update(Data);
  return Hasher.final<32>();
}

std::string clang::dist::toHex(const ContentDigest &D) {
  return llvm::toHex(llvm::ArrayRef<uint8_t>(D), /*LowerCase=*/true);
}
