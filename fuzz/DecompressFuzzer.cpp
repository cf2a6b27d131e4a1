//===- fuzz/DecompressFuzzer.cpp - zstd blobs with a declared size --------===//
//
// The input is what a message carries for a blob: its declared raw size (the
// first 8 bytes, a little-endian u64) and the compressed bytes (the rest).
// decompress() must accept exactly what zstd itself decodes as one frame of
// that size, and give the same bytes.
//
//===----------------------------------------------------------------------===//

#include "Protocol/Compression.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>
#include <optional>
#include <zstd.h>

using namespace clang::dist;

namespace {

[[noreturn]] void violated(llvm::StringRef Property) {
  llvm::errs() << "decompress: " << Property << "\n";
  std::abort();
}

/// A refused blob is shown to zstd only up to this declared size: beyond it
/// the check would be the one allocating for a lying header.
constexpr uint64_t MaxReferenceSize = 1 << 20;

/// What zstd's one-shot API makes of \p Compressed, if it is one frame that
/// declares and holds exactly \p RawSize bytes.
std::optional<std::string> zstdReference(llvm::StringRef Compressed,
                                         uint64_t RawSize) {
  if (ZSTD_getFrameContentSize(Compressed.data(), Compressed.size()) !=
          RawSize ||
      ZSTD_findFrameCompressedSize(Compressed.data(), Compressed.size()) !=
          Compressed.size())
    return std::nullopt;
  std::string Out(RawSize, '\0');
  size_t N = ZSTD_decompress(Out.data(), Out.size(), Compressed.data(),
                             Compressed.size());
  if (ZSTD_isError(N) || N != RawSize)
    return std::nullopt;
  return Out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  if (Size < sizeof(uint64_t))
    return -1;
  uint64_t RawSize = llvm::support::endian::read64le(Data);
  llvm::StringRef Compressed(reinterpret_cast<const char *>(Data) + 8,
                             Size - 8);

  llvm::Expected<std::string> Raw = decompress(Compressed, RawSize);
  if (!Raw) {
    llvm::consumeError(Raw.takeError());
    if (RawSize <= MaxReferenceSize && zstdReference(Compressed, RawSize))
      violated("refuses a frame zstd decodes to the declared size");
    return 0;
  }
  if (Raw->size() != RawSize)
    violated("the output is not of the declared size");
  if (zstdReference(Compressed, RawSize) != *Raw)
    violated("the output is not what zstd decodes");
  // What compress() makes of it must come back, as it does on the wire.
  llvm::Expected<std::string> Again = decompress(compress(*Raw), RawSize);
  if (!Again)
    violated("its own compression does not decompress: " +
             llvm::toString(Again.takeError()));
  if (*Again != *Raw)
    violated("a round trip through compress() changes the bytes");
  return 0;
}
