//===- Protocol/Compression.cpp - zstd for blobs on the wire --------------===//

#include "Protocol/Compression.h"
#include "Protocol/Errors.h"
#include "Protocol/Frame.h"
#include "llvm/Support/FormatVariadic.h"
#include <zstd.h>

using namespace clang::dist;

namespace {
/// Contexts are expensive to create; one per thread is reused.
struct ContextCache {
  ZSTD_CCtx *C = ZSTD_createCCtx();
  ZSTD_DCtx *D = ZSTD_createDCtx();
  ~ContextCache() {
    ZSTD_freeCCtx(C);
    ZSTD_freeDCtx(D);
  }
};
ContextCache &contexts() {
  thread_local ContextCache Cache;
  return Cache;
}
} // namespace

std::string clang::dist::compress(llvm::StringRef Data, int Level) {
  std::string Out(ZSTD_compressBound(Data.size()), '\0');
  size_t N = ZSTD_compressCCtx(contexts().C, Out.data(), Out.size(),
                               Data.data(), Data.size(), Level);
  // Only a too-small buffer can fail, and compressBound rules that out.
  assert(!ZSTD_isError(N));
  Out.resize(N);
  return Out;
}

llvm::Expected<std::string> clang::dist::decompress(llvm::StringRef Compressed,
                                                    uint64_t RawSize) {
  // No zstd frame expands more than 32768 times (a block of 128 KiB costs at
  // least a 3-byte header and one RLE byte), so a larger claim is garbage and
  // must not size an allocation (found by fuzz/, DecompressFuzzer).
  constexpr uint64_t MaxExpansion = 32768;
  if (RawSize > MaxFramePayload * 16ull ||
      RawSize > Compressed.size() * MaxExpansion)
    return protocolError(
        llvm::formatv("compressed blob of {0} bytes declares {1} bytes",
                      Compressed.size(), RawSize));
  unsigned long long Declared =
      ZSTD_getFrameContentSize(Compressed.data(), Compressed.size());
  if (Declared != RawSize)
    return protocolError(
        llvm::formatv("compressed blob size mismatch: header says {0}, "
                      "message says {1}",
                      Declared, RawSize));
  // zstd would decode, and so accept, an empty or skippable frame after ours.
  size_t FrameSize =
      ZSTD_findFrameCompressedSize(Compressed.data(), Compressed.size());
  if (ZSTD_isError(FrameSize) || FrameSize != Compressed.size())
    return protocolError(llvm::Twine("corrupt compressed blob: ") +
                         (ZSTD_isError(FrameSize) ? ZSTD_getErrorName(FrameSize)
                                                  : "bytes after the frame"));
  std::string Out(RawSize, '\0');
  size_t N = ZSTD_decompressDCtx(contexts().D, Out.data(), Out.size(),
                                 Compressed.data(), Compressed.size());
  if (ZSTD_isError(N) || N != RawSize)
    return protocolError(
        llvm::Twine("corrupt compressed blob: ") +
        (ZSTD_isError(N) ? ZSTD_getErrorName(N) : "short output"));
  return Out;
}
