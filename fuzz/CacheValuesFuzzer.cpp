//===- fuzz/CacheValuesFuzzer.cpp - What a cache store gives back ---------===//
//
// The input's first byte picks a manifest ('m') or a result ('r'); the rest
// is the body, sealed here, since a store's bytes that fail their digest never
// reach a decoder (ResultCache/Seal.h). A value that decodes encodes to one
// that decodes the same; none crashes or allocates what it does not hold.
//
//===----------------------------------------------------------------------===//

#include "ResultCache/Entry.h"
#include "ResultCache/Manifest.h"
#include "ResultCache/Seal.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace clang::dist;

namespace {

[[noreturn]] void violated(llvm::StringRef Property) {
  llvm::errs() << "cache values: " << Property << "\n";
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  if (Size == 0)
    return 0;
  llvm::StringRef Body(reinterpret_cast<const char *>(Data) + 1, Size - 1);
  if (Data[0] == 'm') {
    llvm::Expected<Manifest> M =
        Manifest::decode(seal(SealedKind::Manifest, Body));
    if (!M) {
      llvm::consumeError(M.takeError());
      return 0;
    }
    std::string Again = M->encode();
    llvm::Expected<Manifest> Back = Manifest::decode(Again);
    if (!Back)
      violated("a manifest encoded again is refused: " +
               llvm::toString(Back.takeError()));
    if (Back->encode() != Again || Back->sets() != M->sets())
      violated("a manifest encoded again decodes to another");
    return 0;
  }
  llvm::Expected<Entry> E = decodeEntry(seal(SealedKind::Result, Body));
  if (!E) {
    llvm::consumeError(E.takeError());
    return 0;
  }
  auto Encode = [](const Entry &E) {
    return encodeEntry(E.ExitCode, E.Diagnostics, llvm::ArrayRef(E.Outputs));
  };
  std::string Again = Encode(*E);
  llvm::Expected<Entry> Back = decodeEntry(Again);
  if (!Back)
    violated("an entry encoded again is refused: " +
             llvm::toString(Back.takeError()));
  if (Encode(*Back) != Again)
    violated("an entry encoded again decodes to another");
  return 0;
}
