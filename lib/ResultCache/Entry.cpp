//===- ResultCache/Entry.cpp - A compile's result, as cached --------------===//

#include "ResultCache/Entry.h"
#include "Protocol/Compression.h"
#include "ResultCache/Body.h"
#include "ResultCache/Seal.h"

using namespace clang::dist;

namespace {

enum class Stored : uint8_t { AsWritten = 0, Zstd = 1 };

/// A compile has an object, a .dwo and a dependency file at most.
constexpr uint32_t MaxOutputs = 3;

BodyWriter header(int32_t ExitCode, llvm::StringRef Diagnostics,
                  size_t Outputs) {
  BodyWriter W;
  W.u32(static_cast<uint32_t>(ExitCode));
  W.u32(Diagnostics.size());
  W.bytes(Diagnostics);
  W.u32(Outputs);
  return W;
}

void output(BodyWriter &W, OutputKind Kind, Stored How, uint64_t Size,
            llvm::StringRef Kept) {
  W.u8(static_cast<uint8_t>(Kind));
  W.u8(static_cast<uint8_t>(How));
  W.u64(Size);
  W.u64(Kept.size());
  W.bytes(Kept);
}

llvm::Error malformed(const llvm::Twine &What) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "a malformed entry: " + What);
}

} // namespace

std::string clang::dist::encodeEntry(int32_t ExitCode,
                                     llvm::StringRef Diagnostics,
                                     llvm::ArrayRef<OutputBytes> Outputs) {
  BodyWriter W = header(ExitCode, Diagnostics, Outputs.size());
  for (const OutputBytes &O : Outputs)
    output(W, O.Kind, Stored::AsWritten, O.Bytes.size(), O.Bytes);
  return seal(SealedKind::Result, W.Out);
}

std::string clang::dist::encodeEntry(int32_t ExitCode,
                                     llvm::StringRef Diagnostics,
                                     llvm::ArrayRef<OutputBlob> Outputs) {
  BodyWriter W = header(ExitCode, Diagnostics, Outputs.size());
  for (const OutputBlob &O : Outputs)
    output(W, O.Kind, Stored::Zstd, O.RawSize, O.Compressed);
  return seal(SealedKind::Result, W.Out);
}

llvm::Expected<Entry> clang::dist::decodeEntry(llvm::StringRef Value) {
  llvm::Expected<llvm::StringRef> Body = unseal(SealedKind::Result, Value);
  if (!Body)
    return Body.takeError();
  BodyReader R(*Body);
  Entry E;
  E.ExitCode = static_cast<int32_t>(R.u32());
  E.Diagnostics = R.take(R.u32()).str();
  E.Outputs.resize(R.count(MaxOutputs));
  for (OutputBytes &O : E.Outputs) {
    uint8_t Kind = R.u8();
    uint8_t How = R.u8();
    uint64_t Size = R.u64();
    llvm::StringRef Kept = R.take(R.u64());
    if (R.failed())
      break;
    if (Kind < static_cast<uint8_t>(OutputKind::Primary) ||
        Kind > static_cast<uint8_t>(OutputKind::Dependencies))
      return malformed("an unknown kind of output");
    O.Kind = static_cast<OutputKind>(Kind);
    if (How == static_cast<uint8_t>(Stored::AsWritten) && Size == Kept.size()) {
      O.Bytes = Kept.str();
    } else if (How == static_cast<uint8_t>(Stored::Zstd)) {
      llvm::Expected<std::string> Bytes = decompress(Kept, Size);
      if (!Bytes)
        return malformed(llvm::toString(Bytes.takeError()));
      O.Bytes = std::move(*Bytes);
    } else {
      return malformed("an output stored in an unknown way");
    }
  }
  if (R.failed())
    return malformed("truncated");
  if (!R.atEnd())
    return malformed("bytes after the end");
  return E;
}
