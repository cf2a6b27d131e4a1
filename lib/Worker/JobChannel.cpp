//===- Worker/JobChannel.cpp - A job's questions --------------------------===//

#include "Worker/JobChannel.h"
#include "Protocol/Compression.h"
#include "Protocol/Errors.h"
#include "llvm/Support/FormatVariadic.h"

using namespace clang::dist;

llvm::Expected<LookupReply> JobChannel::lookup(llvm::StringRef Path) {
  llvm::Expected<Frame> F = Conn.ask(encodeFrame(Lookup{JobId, Path.str()}),
                                     MessageType::LookupReply);
  if (!F)
    return lost(F.takeError());
  llvm::Expected<LookupReply> Reply = decodeLookupReply(F->Payload);
  if (!Reply)
    return fail(Reply.takeError());
  if (Reply->Id != JobId)
    return fail(protocolError("LookupReply for another job"));
  return Reply;
}

llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>>
JobChannel::contents(const ContentDigest &Digest, uint64_t Size) {
  if (Size > Budget - Given)
    return fail(protocolError(llvm::formatv(
        "the job's files pass the {0} bytes one job may read", Budget)));
  Given += Size;
  bool Corrupt = false;
  if (auto Buffer = Store.load(Digest, Corrupt)) {
    ++BlobHits;
    return std::shared_ptr<llvm::MemoryBuffer>(std::move(Buffer));
  }
  ++BlobMisses;
  if (Corrupt)
    Log.log(LogLevel::Warning,
            "blob " + toHex(Digest) +
                " was damaged in the cache; asking for it again");
  llvm::Expected<Frame> F =
      Conn.ask(encodeFrame(NeedBlobs{JobId, {Digest}}), MessageType::Blobs);
  if (!F)
    return lost(F.takeError());
  llvm::Expected<Blobs> B = decodeBlobs(F->Payload);
  if (!B)
    return fail(B.takeError());
  if (B->Id != JobId || B->Contents.size() != 1 ||
      B->Contents[0].Digest != Digest)
    return fail(protocolError("Blobs that were not asked for"));
  // Before anything is allocated for it.
  if (B->Contents[0].RawSize != Size)
    return fail(protocolError(
        llvm::formatv("blob {0} declares {1} bytes; its answer said {2}",
                      toHex(Digest), B->Contents[0].RawSize, Size)));
  llvm::Expected<std::string> Data =
      decompress(B->Contents[0].Compressed, B->Contents[0].RawSize);
  if (!Data)
    return fail(Data.takeError());
  if (digestContents(*Data) != Digest)
    return fail(protocolError("blob " + toHex(Digest) +
                              " was damaged in transit (its contents have "
                              "another digest)"));
  // A cache that cannot keep it costs the next job a transfer, not this one.
  if (llvm::Error E = Store.store(Digest, *Data))
    Log.log(LogLevel::Warning, "blob cache: " + llvm::toString(std::move(E)));
  return std::shared_ptr<llvm::MemoryBuffer>(
      llvm::MemoryBuffer::getMemBufferCopy(*Data));
}

llvm::Error JobChannel::fail(llvm::Error E) {
  std::string Why = llvm::toString(std::move(E));
  Conn.abandon(Why);
  return lost(protocolError(Why));
}

llvm::Error JobChannel::lost(llvm::Error E) {
  Failed = true;
  return E;
}
