//===- fuzz/MessagesFuzzer.cpp - Every message decoder --------------------===//
//
// The first byte of the input is a message type, as a frame header has it,
// and picks the decoder; the rest is the payload. One target rather than one
// per decoder: the decoders share their reader, so one corpus teaches the
// fuzzer strings and lists for all of them, a crashing input still names its
// decoder in its first byte, and CI's fuzzing time goes to one target instead
// of being split nine ways.
//
// Beyond not crashing, a message that decodes must encode to bytes that
// decode to the same fields, and those bytes must be the input itself: a
// decoder that succeeds without having read every byte ignored trailing or
// misplaced data.
//
//===----------------------------------------------------------------------===//

#include "Protocol/Messages.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>
#include <tuple>

using namespace clang::dist;

namespace {

[[noreturn]] void violated(llvm::StringRef Message, llvm::StringRef Property) {
  llvm::errs() << "messages: " << Message << ": " << Property << "\n";
  std::abort();
}

/// The fields of each message, compared after a round trip.
auto fields(const Hello &M) {
  return std::tie(M.Version, M.ClangVersion, M.Peer, M.User, M.Challenge);
}
auto fields(const HelloReply &M) {
  return std::tie(M.Accepted, M.Version, M.ClangVersion, M.Reason,
                  M.AuthRequired, M.Challenge, M.Proof, M.Speed);
}
auto fields(const Authenticate &M) { return std::tie(M.Proof); }
auto fields(const SubmitJob &M) {
  return std::tie(M.WorkingDir, M.Args, M.Umask);
}
auto fields(const JobOutcome &M) {
  return std::tie(M.Kind, M.ExitCode, M.Diagnostics, M.Reason, M.Cause, M.Slot,
                  M.Warn, M.Suppressed);
}
auto fields(const StatsRequest &M) { return std::tie(M.Zero); }
auto fields(const StatsReply &M) { return std::tie(M.Counters); }
auto fields(const FileBlob &B) {
  return std::tie(B.Path, B.RawSize, B.Compressed);
}
auto fields(const PathInfo &I) {
  return std::tie(I.Kind, I.Device, I.Inode, I.Size, I.ModificationTime,
                  I.Permissions, I.Digest);
}
auto fields(const OutputBlob &B) {
  return std::tie(B.Kind, B.RawSize, B.Compressed);
}
auto fields(const Blobs::Blob &B) {
  return std::tie(B.Digest, B.RawSize, B.Compressed);
}
auto fields(const ServerStatus::Job &J) {
  return std::tie(J.Source, J.State, J.Slot, J.ElapsedMs);
}
auto fields(const ServerStatus::Slot &S) {
  return std::tie(S.Name, S.State, S.BackedOffMs, S.Why, S.JobsDone);
}
auto fields(const ServerStatus::Fallback &F) {
  return std::tie(F.Time, F.Source, F.Reason);
}
/// The elements' fields, for messages that hold lists of structs.
template <typename T> auto fieldsOfEach(const std::vector<T> &List) {
  std::vector<decltype(fields(List.front()))> Out;
  for (const T &Element : List)
    Out.push_back(fields(Element));
  return Out;
}
auto fields(const CompileJob &M) {
  return std::make_tuple(std::tie(M.Id, M.Mode, M.WorkingDir, M.Args),
                         fieldsOfEach(M.Files));
}
auto fields(const CompileResult &M) {
  return std::make_tuple(std::tie(M.Id, M.ExitCode, M.Diagnostics),
                         fieldsOfEach(M.Outputs),
                         std::tie(M.Consulted, M.Unanswerable, M.Refused));
}
auto fields(const Lookup &M) { return std::tie(M.Id, M.Path); }
auto fields(const LookupReply &M) {
  return std::make_tuple(M.Id, M.Index, fields(M.Info));
}
auto fields(const NeedBlobs &M) { return std::tie(M.Id, M.Digests); }
auto fields(const Blobs &M) {
  return std::make_tuple(M.Id, fieldsOfEach(M.Contents));
}
auto fields(const ServerStatus &M) {
  return std::make_tuple(std::tie(M.Pid, M.StartTime, M.ConfigPath, M.Mode,
                                  M.Retiring, M.JobsInFlight, M.SlotCount,
                                  M.JobsFinished, M.FinishedLastMinute),
                         fieldsOfEach(M.Jobs), fieldsOfEach(M.Slots),
                         fieldsOfEach(M.Fallbacks));
}
auto fields(const StopServerReply &M) { return std::tie(M.JobsInFlight); }
auto fields(const SlotBusy &M) { return std::tie(M.Id); }

/// Whether \p Encoded, the encoding of \p M, is what \p M must have been
/// decoded from: each field has one encoding, but for the exceptions below.
template <typename M>
bool isItsInput(const M &, llvm::StringRef Encoded, llvm::StringRef Payload) {
  return Encoded == Payload;
}
/// Another version's Hello is read for its version alone.
bool isItsInput(const Hello &M, llvm::StringRef Encoded,
                llvm::StringRef Payload) {
  return M.Version != ProtocolVersion || Encoded == Payload;
}
/// Any non-zero byte reads as true, and encodes as 1.
bool isItsInput(const HelloReply &, llvm::StringRef Encoded,
                llvm::StringRef Payload) {
  return Encoded.size() == Payload.size();
}

template <typename M, llvm::Expected<M> (*Decode)(llvm::StringRef)>
void checkDecoder(llvm::StringRef Payload) {
  llvm::StringRef Name = messageTypeName(MessageTraits<M>::Type);
  llvm::Expected<M> Decoded = Decode(Payload);
  if (!Decoded) {
    llvm::consumeError(Decoded.takeError());
    return;
  }
  std::string Encoded = encode(*Decoded);
  llvm::Expected<M> Again = Decode(Encoded);
  if (!Again)
    violated(Name, "its encoding does not decode: " +
                       llvm::toString(Again.takeError()));
  if (fields(*Again) != fields(*Decoded))
    violated(Name, "a field changed in a round trip");
  if (encode(*Again) != Encoded)
    violated(Name, "encoding it again gives other bytes");
  if (!isItsInput(*Decoded, Encoded, Payload))
    violated(Name, "decoded from bytes that are not its encoding");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  if (Size == 0)
    return -1;
  llvm::StringRef Payload(reinterpret_cast<const char *>(Data) + 1, Size - 1);
  switch (static_cast<MessageType>(Data[0])) {
  case MessageType::Hello:
    checkDecoder<Hello, decodeHello>(Payload);
    return 0;
  case MessageType::HelloReply:
    checkDecoder<HelloReply, decodeHelloReply>(Payload);
    return 0;
  case MessageType::SubmitJob:
    checkDecoder<SubmitJob, decodeSubmitJob>(Payload);
    return 0;
  case MessageType::JobOutcome:
    checkDecoder<JobOutcome, decodeJobOutcome>(Payload);
    return 0;
  case MessageType::CompileJob:
    checkDecoder<CompileJob, decodeCompileJob>(Payload);
    return 0;
  case MessageType::CompileResult:
    checkDecoder<CompileResult, decodeCompileResult>(Payload);
    return 0;
  case MessageType::NeedBlobs:
    checkDecoder<NeedBlobs, decodeNeedBlobs>(Payload);
    return 0;
  case MessageType::Blobs:
    checkDecoder<Blobs, decodeBlobs>(Payload);
    return 0;
  case MessageType::Authenticate:
    checkDecoder<Authenticate, decodeAuthenticate>(Payload);
    return 0;
  case MessageType::Lookup:
    checkDecoder<Lookup, decodeLookup>(Payload);
    return 0;
  case MessageType::LookupReply:
    checkDecoder<LookupReply, decodeLookupReply>(Payload);
    return 0;
  case MessageType::StatsRequest:
    checkDecoder<StatsRequest, decodeStatsRequest>(Payload);
    return 0;
  case MessageType::StatsReply:
    checkDecoder<StatsReply, decodeStatsReply>(Payload);
    return 0;
  case MessageType::ServerStatus:
    checkDecoder<ServerStatus, decodeServerStatus>(Payload);
    return 0;
  case MessageType::StopServerReply:
    checkDecoder<StopServerReply, decodeStopServerReply>(Payload);
    return 0;
  case MessageType::SlotBusy:
    checkDecoder<SlotBusy, decodeSlotBusy>(Payload);
    return 0;
  case MessageType::Heartbeat:
  case MessageType::StatusRequest:
  case MessageType::StopServer:
  case MessageType::SlotFree:
  case MessageType::DeclineSlot:
    // Their payload is never read.
    break;
  }
  // Not a message type with a decoder: keep it out of the corpus.
  return -1;
}
