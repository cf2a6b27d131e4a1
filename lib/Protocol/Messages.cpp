//===- Protocol/Messages.cpp - Encoding and decoding of messages ----------===//
//
// Fields are little-endian integers and length-prefixed byte strings (u32
// length, then the bytes); lists are a u32 count then the elements.
//
//===----------------------------------------------------------------------===//

#include "Protocol/Messages.h"
#include "Protocol/Compression.h"
#include "Protocol/Errors.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/EndianStream.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include <cstring>
#include <optional>

using namespace clang::dist;

llvm::StringRef clang::dist::messageTypeName(MessageType Type) {
  switch (Type) {
#define MESSAGE(Name, Number, MaxPayload)                                      \
  case MessageType::Name:                                                      \
    return #Name;
#include "Protocol/MessageTypes.def"
  }
  return "unknown";
}

uint32_t clang::dist::maxPayload(MessageType Type) {
  switch (Type) {
#define MESSAGE(Name, Number, MaxPayload)                                      \
  case MessageType::Name:                                                      \
    return MaxPayload;
#include "Protocol/MessageTypes.def"
  }
  return 0;
}

bool clang::dist::isMessageType(uint32_t Number) {
  switch (Number) {
#define MESSAGE(Name, Number, MaxPayload) case Number:
#include "Protocol/MessageTypes.def"
    return true;
  }
  return false;
}

llvm::StringRef clang::dist::cacheabilityName(Cacheability C) {
  switch (C) {
  case Cacheability::Cacheable:
    return "cacheable";
  case Cacheability::TimeMacro:
    return "time_macro";
  case Cacheability::UnrecordedInput:
    return "unrecorded_input";
  case Cacheability::ReadsOtherFiles:
    return "reads_other_files";
  }
  return "unknown";
}

namespace {

/// A list longer than this is garbage, whatever the frame size allows.
constexpr uint32_t MaxListLength = 1u << 20;

class Writer {
public:
  Writer() : OS(Buffer), W(OS, llvm::support::little) {}
  Writer &u8(uint8_t V) {
    W.write<uint8_t>(V);
    return *this;
  }
  Writer &u32(uint32_t V) {
    W.write<uint32_t>(V);
    return *this;
  }
  Writer &i32(int32_t V) {
    W.write<int32_t>(V);
    return *this;
  }
  Writer &u64(uint64_t V) {
    W.write<uint64_t>(V);
    return *this;
  }
  Writer &i64(int64_t V) {
    W.write<int64_t>(V);
    return *this;
  }
  template <size_t N> Writer &bytes(const std::array<uint8_t, N> &D) {
    OS << llvm::StringRef(reinterpret_cast<const char *>(D.data()), D.size());
    return *this;
  }
  Writer &str(llvm::StringRef S) {
    u32(static_cast<uint32_t>(S.size()));
    OS << S;
    return *this;
  }
  Writer &strs(const std::vector<std::string> &List) {
    u32(static_cast<uint32_t>(List.size()));
    for (const std::string &S : List)
      str(S);
    return *this;
  }
  std::string take() {
    OS.flush();
    return std::move(Buffer);
  }

private:
  std::string Buffer;
  llvm::raw_string_ostream OS;
  llvm::support::endian::Writer W;
};

/// Reads fields with a sticky error: after the first failure every read
/// returns a zero value, and finish() reports the field that failed.
class Reader {
public:
  Reader(llvm::StringRef Payload, const char *Message)
      : Data(Payload), Message(Message) {}

  uint8_t u8(const char *Field) { return integer<uint8_t>(Field); }
  uint32_t u32(const char *Field) { return integer<uint32_t>(Field); }
  int32_t i32(const char *Field) { return integer<int32_t>(Field); }
  uint64_t u64(const char *Field) { return integer<uint64_t>(Field); }
  int64_t i64(const char *Field) { return integer<int64_t>(Field); }

  template <size_t N = 32> std::array<uint8_t, N> bytes(const char *Field) {
    std::array<uint8_t, N> D{};
    if (FailedField || Data.size() - Pos < D.size())
      return fail(Field), D;
    std::memcpy(D.data(), Data.data() + Pos, D.size());
    Pos += D.size();
    return D;
  }

  std::string str(const char *Field) {
    uint32_t Length = u32(Field);
    if (FailedField || Data.size() - Pos < Length)
      return fail(Field), std::string();
    std::string S = Data.substr(Pos, Length).str();
    Pos += Length;
    return S;
  }

  /// A list's element count; each element takes at least one byte, so a
  /// count larger than what is left is garbage, not a reason to allocate.
  uint32_t count(const char *Field) {
    uint32_t N = u32(Field);
    if (N > MaxListLength || N > Data.size() - Pos)
      return fail(Field), 0;
    return N;
  }

  std::vector<std::string> strs(const char *Field) {
    std::vector<std::string> List(count(Field));
    for (std::string &S : List)
      S = str(Field);
    return List;
  }

  bool ok() const { return !FailedField; }

  template <typename T> llvm::Expected<T> finish(T Value) {
    if (FailedField)
      return makeError("truncated or malformed field '{0}'", FailedField);
    if (Pos != Data.size())
      return makeError("{0} trailing bytes", Data.size() - Pos);
    return Value;
  }

private:
  template <typename T> T integer(const char *Field) {
    if (FailedField || Data.size() - Pos < sizeof(T))
      return fail(Field), T();
    T V = llvm::support::endian::read<T, llvm::support::little, 1>(Data.data() +
                                                                   Pos);
    Pos += sizeof(T);
    return V;
  }
  void fail(const char *Field) {
    if (!FailedField)
      FailedField = Field;
  }
  template <typename... Ts>
  llvm::Error makeError(const char *Format, Ts... Vals) {
    std::string What = llvm::formatv("malformed {0} message: ", Message).str();
    return protocolError(What + llvm::formatv(Format, Vals...).str());
  }

  llvm::StringRef Data;
  size_t Pos = 0;
  const char *Message;
  const char *FailedField = nullptr;
};

void writeBlob(Writer &W, const FileBlob &B) {
  W.str(B.Path).u64(B.RawSize).str(B.Compressed);
}

FileBlob readFileBlob(Reader &R) {
  FileBlob B;
  B.Path = R.str("file path");
  B.RawSize = R.u64("file size");
  B.Compressed = R.str("file data");
  return B;
}

} // namespace

std::string clang::dist::encode(const Hello &M) {
  return Writer()
      .u32(ProtocolMagic)
      .u32(M.Version)
      .str(M.ClangVersion)
      .str(M.Peer)
      .str(M.User)
      .bytes(M.Challenge)
      .take();
}

llvm::Expected<Hello> clang::dist::decodeHello(llvm::StringRef Payload) {
  Reader R(Payload, "Hello");
  if (R.u32("magic") != ProtocolMagic)
    return protocolError("peer is not a clang-dist peer (bad magic)");
  Hello M;
  M.Version = R.u32("version");
  // Another version's Hello may be laid out differently; its version is
  // all the answer needs.
  if (R.ok() && M.Version != ProtocolVersion)
    return M;
  M.ClangVersion = R.str("clang version");
  M.Peer = R.str("peer");
  M.User = R.str("user");
  M.Challenge = R.bytes("challenge");
  if (M.User.size() > MaxUserName)
    return protocolError(
        llvm::formatv("malformed Hello message: a user name of {0} bytes, "
                      "more than {1}",
                      M.User.size(), MaxUserName)
            .str());
  return R.finish(std::move(M));
}

std::string clang::dist::whyRefuseHello(const Hello &H,
                                        llvm::StringRef OurClangVersion,
                                        llvm::StringRef Self) {
  if (H.Version != ProtocolVersion)
    return llvm::formatv("protocol version mismatch: peer speaks version {0}, "
                         "{1} speaks version {2}",
                         H.Version, Self, ProtocolVersion);
  if (H.ClangVersion != OurClangVersion)
    return llvm::formatv("clang version mismatch: peer has '{0}', {1} has "
                         "'{2}'",
                         H.ClangVersion, Self, OurClangVersion);
  return "";
}

std::string clang::dist::encode(const HelloReply &M) {
  return Writer()
      .u8(M.Accepted)
      .u32(M.Version)
      .str(M.ClangVersion)
      .str(M.Reason)
      .u8(M.AuthRequired)
      .bytes(M.Challenge)
      .bytes(M.Proof)
      .u32(M.Speed)
      .take();
}

llvm::Expected<HelloReply>
clang::dist::decodeHelloReply(llvm::StringRef Payload) {
  Reader R(Payload, "HelloReply");
  HelloReply M;
  M.Accepted = R.u8("accepted") != 0;
  M.Version = R.u32("version");
  M.ClangVersion = R.str("clang version");
  M.Reason = R.str("reason");
  M.AuthRequired = R.u8("auth required") != 0;
  M.Challenge = R.bytes("challenge");
  M.Proof = R.bytes("proof");
  M.Speed = R.u32("speed");
  return R.finish(std::move(M));
}

std::string clang::dist::encode(const Authenticate &M) {
  return Writer().bytes(M.Proof).take();
}

llvm::Expected<Authenticate>
clang::dist::decodeAuthenticate(llvm::StringRef Payload) {
  Reader R(Payload, "Authenticate");
  Authenticate M;
  M.Proof = R.bytes("proof");
  return R.finish(std::move(M));
}

std::string clang::dist::encode(const SubmitJob &M) {
  return Writer().str(M.WorkingDir).strs(M.Args).u32(M.Umask).take();
}

llvm::Expected<SubmitJob>
clang::dist::decodeSubmitJob(llvm::StringRef Payload) {
  Reader R(Payload, "SubmitJob");
  SubmitJob M;
  M.WorkingDir = R.str("working directory");
  M.Args = R.strs("arguments");
  M.Umask = R.u32("umask");
  llvm::Expected<SubmitJob> Result = R.finish(std::move(M));
  if (Result && Result->Umask > 0777)
    return protocolError(llvm::formatv("malformed SubmitJob message: umask {0}",
                                       llvm::format("%o", Result->Umask))
                             .str());
  return Result;
}

std::string clang::dist::encode(const JobOutcome &M) {
  return Writer()
      .u8(static_cast<uint8_t>(M.Kind))
      .i32(M.ExitCode)
      .str(M.Diagnostics)
      .str(M.Reason)
      .u8(static_cast<uint8_t>(M.Cause))
      .str(M.Slot)
      .u8(M.Warn)
      .u64(M.Suppressed)
      .str(M.Notice)
      .take();
}

llvm::Expected<JobOutcome>
clang::dist::decodeJobOutcome(llvm::StringRef Payload) {
  Reader R(Payload, "JobOutcome");
  JobOutcome M;
  uint8_t Kind = R.u8("disposition");
  M.ExitCode = R.i32("exit code");
  M.Diagnostics = R.str("diagnostics");
  M.Reason = R.str("reason");
  uint8_t Cause = R.u8("cause");
  M.Slot = R.str("slot");
  uint8_t Warn = R.u8("warn");
  M.Suppressed = R.u64("suppressed");
  M.Notice = R.str("notice");
  llvm::Expected<JobOutcome> Result = R.finish(std::move(M));
  if (!Result)
    return Result;
  auto Malformed = [](const char *Field, unsigned Value) {
    return protocolError(
        llvm::formatv("malformed JobOutcome message: {0} {1}", Field, Value)
            .str());
  };
  if (Kind > static_cast<uint8_t>(JobOutcome::Disposition::LocalByDesign))
    return Malformed("disposition", Kind);
  Result->Kind = static_cast<JobOutcome::Disposition>(Kind);
  std::optional<FallbackCause> Known = fallbackCauseFromNumber(Cause);
  // A cause says why the farm failed the job, so only a fallback has one.
  bool IsFallback = Result->Kind == JobOutcome::Disposition::Fallback;
  if (!Known || (*Known != FallbackCause::None) != IsFallback)
    return Malformed("cause", Cause);
  Result->Cause = *Known;
  if (Warn > 1)
    return Malformed("warn", Warn);
  Result->Warn = Warn;
  return Result;
}

std::string clang::dist::encode(const StatsRequest &M) {
  return Writer().u8(M.Zero).take();
}

llvm::Expected<StatsRequest>
clang::dist::decodeStatsRequest(llvm::StringRef Payload) {
  Reader R(Payload, "StatsRequest");
  StatsRequest M;
  uint8_t Zero = R.u8("zero");
  llvm::Expected<StatsRequest> Result = R.finish(std::move(M));
  if (Result && Zero > 1)
    return protocolError(
        llvm::formatv("malformed StatsRequest message: zero {0}", Zero).str());
  if (Result)
    Result->Zero = Zero;
  return Result;
}

std::string clang::dist::encode(const StatsReply &M) {
  Writer W;
  W.u32(static_cast<uint32_t>(M.Counters.size()));
  for (const auto &[Key, Value] : M.Counters)
    W.str(Key).u64(Value);
  return W.take();
}

llvm::Expected<StatsReply>
clang::dist::decodeStatsReply(llvm::StringRef Payload) {
  Reader R(Payload, "StatsReply");
  StatsReply M;
  M.Counters.resize(R.count("counters"));
  for (auto &[Key, Value] : M.Counters) {
    Key = R.str("key");
    Value = R.u64("value");
  }
  return R.finish(std::move(M));
}

namespace {

void writePathInfo(Writer &W, const PathInfo &I) {
  W.u8(static_cast<uint8_t>(I.Kind));
  W.u64(I.Device).u64(I.Inode).u64(I.Size).i64(I.ModificationTime);
  W.u32(I.Permissions).bytes(I.Digest);
}

/// The kind is checked by the caller once the reader is known to be intact:
/// a truncated message reads zeros, and must name the truncated field.
uint8_t readPathInfo(Reader &R, PathInfo &I) {
  uint8_t Kind = R.u8("path kind");
  I.Device = R.u64("device");
  I.Inode = R.u64("inode");
  I.Size = R.u64("size");
  I.ModificationTime = R.i64("modification time");
  I.Permissions = R.u32("permissions");
  I.Digest = R.bytes("digest");
  I.Kind = static_cast<PathInfo::PathKind>(Kind);
  return Kind;
}

bool isPathKind(uint8_t Kind) {
  return Kind >= static_cast<uint8_t>(PathInfo::PathKind::File) &&
         Kind <= static_cast<uint8_t>(PathInfo::PathKind::Unavailable);
}

llvm::Error unknownPathKind(const char *Message, uint8_t Kind) {
  return protocolError(
      llvm::formatv("malformed {0} message: unknown path kind {1}", Message,
                    unsigned(Kind))
          .str());
}

} // namespace

std::string clang::dist::encode(const CompileJob &M) {
  Writer W;
  W.u64(M.Id).u8(static_cast<uint8_t>(M.Mode)).str(M.WorkingDir).strs(M.Args);
  W.u32(static_cast<uint32_t>(M.Files.size()));
  for (const FileBlob &B : M.Files)
    writeBlob(W, B);
  return W.take();
}

llvm::Expected<CompileJob>
clang::dist::decodeCompileJob(llvm::StringRef Payload) {
  Reader R(Payload, "CompileJob");
  CompileJob M;
  M.Id = R.u64("id");
  uint8_t Mode = R.u8("mode");
  M.WorkingDir = R.str("working directory");
  M.Args = R.strs("arguments");
  M.Files.resize(R.count("files"));
  for (FileBlob &B : M.Files)
    B = readFileBlob(R);
  // A truncated message reads zeros; name the truncated field, not the zero.
  llvm::Expected<CompileJob> Result = R.finish(std::move(M));
  if (!Result)
    return Result;
  auto Malformed = [](const char *What) {
    return protocolError(llvm::Twine("malformed CompileJob message: ") + What);
  };
  switch (Mode) {
  case static_cast<uint8_t>(DistributionMode::Preprocessed):
    if (Result->Files.empty())
      return Malformed("no main file");
    break;
  case static_cast<uint8_t>(DistributionMode::Sources):
    if (!Result->Files.empty())
      return Malformed("files with a sources job, which asks for them");
    break;
  case static_cast<uint8_t>(DistributionMode::LocalFiles):
    if (!Result->Files.empty())
      return Malformed("files with a job that reads local files");
    break;
  default:
    return protocolError(
        llvm::formatv("malformed CompileJob message: unknown mode {0}",
                      unsigned(Mode))
            .str());
  }
  Result->Mode = static_cast<DistributionMode>(Mode);
  return Result;
}

std::string clang::dist::encode(const CompileResult &M) {
  Writer W;
  W.u64(M.Id).i32(M.ExitCode).str(M.Diagnostics);
  W.u32(static_cast<uint32_t>(M.Outputs.size()));
  for (const OutputBlob &B : M.Outputs)
    W.u8(static_cast<uint8_t>(B.Kind)).u64(B.RawSize).str(B.Compressed);
  W.u32(static_cast<uint32_t>(M.Consulted.size()));
  for (uint32_t Index : M.Consulted)
    W.u32(Index);
  W.u8(M.Unanswerable).u8(M.Refused);
  W.u32(static_cast<uint32_t>(M.Inputs.size()));
  for (const CompileInput &I : M.Inputs) {
    W.str(I.Path);
    writePathInfo(W, I.Info);
  }
  W.u8(static_cast<uint8_t>(M.Caching));
  return W.take();
}

llvm::Expected<CompileResult>
clang::dist::decodeCompileResult(llvm::StringRef Payload) {
  Reader R(Payload, "CompileResult");
  CompileResult M;
  M.Id = R.u64("id");
  M.ExitCode = R.i32("exit code");
  M.Diagnostics = R.str("diagnostics");
  M.Outputs.resize(R.count("outputs"));
  bool BadKind = false;
  for (OutputBlob &B : M.Outputs) {
    uint8_t Kind = R.u8("output kind");
    BadKind |= Kind < static_cast<uint8_t>(OutputKind::Primary) ||
               Kind > static_cast<uint8_t>(OutputKind::Dependencies);
    B.Kind = static_cast<OutputKind>(Kind);
    B.RawSize = R.u64("output size");
    B.Compressed = R.str("output data");
  }
  M.Consulted.resize(R.count("consulted"));
  for (uint32_t &Index : M.Consulted)
    Index = R.u32("consulted index");
  uint8_t Unanswerable = R.u8("unanswerable");
  uint8_t Refused = R.u8("refused");
  BadKind |= Unanswerable > 1 || Refused > 1;
  M.Unanswerable = Unanswerable;
  M.Refused = Refused;
  M.Inputs.resize(R.count("inputs"));
  for (CompileInput &I : M.Inputs) {
    I.Path = R.str("input path");
    BadKind |= !isPathKind(readPathInfo(R, I.Info));
  }
  uint8_t Caching = R.u8("caching");
  BadKind |= Caching > static_cast<uint8_t>(Cacheability::ReadsOtherFiles);
  M.Caching = static_cast<Cacheability>(Caching);
  llvm::Expected<CompileResult> Result = R.finish(std::move(M));
  if (!Result)
    return Result;
  if (BadKind)
    return protocolError("malformed CompileResult message: unknown output "
                         "kind, flag, path kind or caching");
  return Result;
}

std::string clang::dist::encode(const Heartbeat &) { return {}; }

llvm::Expected<Heartbeat>
clang::dist::decodeHeartbeat(llvm::StringRef Payload) {
  return Reader(Payload, "Heartbeat").finish(Heartbeat());
}

std::string clang::dist::encode(const NeedBlobs &M) {
  Writer W;
  W.u64(M.Id).u32(static_cast<uint32_t>(M.Digests.size()));
  for (const ContentDigest &D : M.Digests)
    W.bytes(D);
  return W.take();
}

llvm::Expected<NeedBlobs>
clang::dist::decodeNeedBlobs(llvm::StringRef Payload) {
  Reader R(Payload, "NeedBlobs");
  NeedBlobs M;
  M.Id = R.u64("id");
  M.Digests.resize(R.count("digests"));
  for (ContentDigest &D : M.Digests)
    D = R.bytes("digest");
  return R.finish(std::move(M));
}

std::string clang::dist::encode(const Blobs &M) {
  Writer W;
  W.u64(M.Id).u32(static_cast<uint32_t>(M.Contents.size()));
  for (const Blobs::Blob &B : M.Contents)
    W.bytes(B.Digest).u64(B.RawSize).str(B.Compressed);
  return W.take();
}

llvm::Expected<Blobs> clang::dist::decodeBlobs(llvm::StringRef Payload) {
  Reader R(Payload, "Blobs");
  Blobs M;
  M.Id = R.u64("id");
  M.Contents.resize(R.count("blobs"));
  for (Blobs::Blob &B : M.Contents) {
    B.Digest = R.bytes("digest");
    B.RawSize = R.u64("size");
    B.Compressed = R.str("data");
  }
  return R.finish(std::move(M));
}

std::string clang::dist::encode(const Lookup &M) {
  Writer W;
  W.u64(M.Id).str(M.Path);
  return W.take();
}

llvm::Expected<Lookup> clang::dist::decodeLookup(llvm::StringRef Payload) {
  Reader R(Payload, "Lookup");
  Lookup M;
  M.Id = R.u64("id");
  M.Path = R.str("path");
  return R.finish(std::move(M));
}

std::string clang::dist::encode(const LookupReply &M) {
  Writer W;
  W.u64(M.Id).u32(M.Index);
  writePathInfo(W, M.Info);
  return W.take();
}

llvm::Expected<LookupReply>
clang::dist::decodeLookupReply(llvm::StringRef Payload) {
  Reader R(Payload, "LookupReply");
  LookupReply M;
  M.Id = R.u64("id");
  M.Index = R.u32("index");
  uint8_t Kind = readPathInfo(R, M.Info);
  llvm::Expected<LookupReply> Result = R.finish(std::move(M));
  if (Result && !isPathKind(Kind) &&
      Kind != static_cast<uint8_t>(PathInfo::PathKind::Refused))
    return unknownPathKind("LookupReply", Kind);
  return Result;
}

std::string clang::dist::encode(const Answers &M) {
  // Paths repeat their directories: a C++ file's answers shrink tenfold.
  Writer List;
  List.u32(static_cast<uint32_t>(M.Entries.size()));
  for (const Answers::Entry &E : M.Entries) {
    List.u32(E.Index).str(E.Path);
    writePathInfo(List, E.Info);
  }
  std::string Raw = List.take();
  Writer W;
  W.u64(Raw.size()).str(compress(Raw));
  return W.take();
}

llvm::Expected<Answers> clang::dist::decodeAnswers(llvm::StringRef Payload) {
  Reader Outer(Payload, "Answers");
  uint64_t RawSize = Outer.u64("raw size");
  std::string Compressed = Outer.str("answers");
  llvm::Expected<uint64_t> Checked = Outer.finish(RawSize);
  if (!Checked)
    return Checked.takeError();
  llvm::Expected<std::string> Raw = decompress(Compressed, RawSize);
  if (!Raw)
    return Raw.takeError();
  Reader R(*Raw, "Answers");
  Answers M;
  M.Entries.resize(R.count("entries"));
  std::optional<uint8_t> BadKind;
  for (Answers::Entry &E : M.Entries) {
    E.Index = R.u32("index");
    E.Path = R.str("path");
    uint8_t Kind = readPathInfo(R, E.Info);
    if (!isPathKind(Kind) && !BadKind)
      BadKind = Kind;
  }
  llvm::Expected<Answers> Result = R.finish(std::move(M));
  if (Result && BadKind)
    return unknownPathKind("Answers", *BadKind);
  return Result;
}

std::string clang::dist::encode(const StatusRequest &) { return {}; }

llvm::Expected<StatusRequest>
clang::dist::decodeStatusRequest(llvm::StringRef Payload) {
  return Reader(Payload, "StatusRequest").finish(StatusRequest());
}

std::string clang::dist::encode(const ServerStatus &M) {
  Writer W;
  W.u32(M.Pid).i64(M.StartTime).str(M.ConfigPath);
  W.u8(static_cast<uint8_t>(M.Mode)).u8(M.Retiring);
  W.u32(M.JobsInFlight).u32(M.SlotCount).u64(M.JobsFinished);
  W.u32(M.FinishedLastMinute);
  W.u32(static_cast<uint32_t>(M.Jobs.size()));
  for (const ServerStatus::Job &J : M.Jobs)
    W.str(J.Source)
        .u8(static_cast<uint8_t>(J.State))
        .str(J.Slot)
        .u64(J.ElapsedMs);
  W.u32(static_cast<uint32_t>(M.Slots.size()));
  for (const ServerStatus::Slot &S : M.Slots)
    W.str(S.Name)
        .u8(static_cast<uint8_t>(S.State))
        .u64(S.BackedOffMs)
        .str(S.Why)
        .u64(S.JobsDone);
  W.u32(static_cast<uint32_t>(M.Fallbacks.size()));
  for (const ServerStatus::Fallback &F : M.Fallbacks)
    W.i64(F.Time).str(F.Source).str(F.Reason);
  return W.take();
}

llvm::Expected<ServerStatus>
clang::dist::decodeServerStatus(llvm::StringRef Payload) {
  Reader R(Payload, "ServerStatus");
  ServerStatus M;
  // The first bound a field breaks, reported once the reader is known to be
  // intact (a truncated message reads zeros and must name its field).
  std::string Bad;
  auto check = [&](bool Ok, const char *What) {
    if (!Ok && Bad.empty())
      Bad = What;
  };
  auto text = [&](const char *Field) {
    std::string S = R.str(Field);
    check(S.size() <= ServerStatus::MaxText, Field);
    return S;
  };
  auto count = [&](const char *Field, uint32_t Max) {
    uint32_t N = R.count(Field);
    check(N <= Max, Field);
    return std::min(N, Max);
  };
  M.Pid = R.u32("pid");
  M.StartTime = R.i64("start time");
  M.ConfigPath = text("config path");
  uint8_t Mode = R.u8("mode");
  check(Mode >= static_cast<uint8_t>(DistributionMode::Preprocessed) &&
            Mode <= static_cast<uint8_t>(DistributionMode::LocalFiles),
        "mode");
  M.Mode = static_cast<DistributionMode>(Mode);
  uint8_t Retiring = R.u8("retiring");
  check(Retiring <= 1, "retiring");
  M.Retiring = Retiring;
  M.JobsInFlight = R.u32("jobs in flight");
  M.SlotCount = R.u32("slot count");
  M.JobsFinished = R.u64("jobs finished");
  M.FinishedLastMinute = R.u32("finished in the last minute");
  M.Jobs.resize(count("jobs", ServerStatus::MaxJobs));
  for (ServerStatus::Job &J : M.Jobs) {
    J.Source = text("job source");
    uint8_t State = R.u8("job state");
    check(State >= static_cast<uint8_t>(ServerStatus::JobState::Preparing) &&
              State <= static_cast<uint8_t>(ServerStatus::JobState::Storing),
          "job state");
    J.State = static_cast<ServerStatus::JobState>(State);
    J.Slot = text("job slot");
    J.ElapsedMs = R.u64("job elapsed time");
  }
  M.Slots.resize(count("slots", ServerStatus::MaxSlots));
  for (ServerStatus::Slot &S : M.Slots) {
    S.Name = text("slot name");
    uint8_t State = R.u8("slot state");
    check(State >= static_cast<uint8_t>(ServerStatus::SlotState::Idle) &&
              State <= static_cast<uint8_t>(ServerStatus::SlotState::BackedOff),
          "slot state");
    S.State = static_cast<ServerStatus::SlotState>(State);
    S.BackedOffMs = R.u64("slot backoff");
    S.Why = text("slot failure");
    S.JobsDone = R.u64("slot jobs done");
  }
  M.Fallbacks.resize(count("fallbacks", ServerStatus::MaxFallbacks));
  for (ServerStatus::Fallback &F : M.Fallbacks) {
    F.Time = R.i64("fallback time");
    F.Source = text("fallback source");
    F.Reason = text("fallback reason");
  }
  check(M.Jobs.size() <= M.JobsInFlight, "jobs in flight");
  check(M.Slots.size() <= M.SlotCount, "slot count");
  // A list over its bound is not read to its end: its bound, not trailing
  // bytes, is the error.
  if (R.ok() && !Bad.empty())
    return protocolError("malformed ServerStatus message: bad " + Bad);
  return R.finish(std::move(M));
}

std::string clang::dist::encode(const StopServer &) { return {}; }

llvm::Expected<StopServer>
clang::dist::decodeStopServer(llvm::StringRef Payload) {
  return Reader(Payload, "StopServer").finish(StopServer());
}

std::string clang::dist::encode(const StopServerReply &M) {
  return Writer().u32(M.JobsInFlight).take();
}

llvm::Expected<StopServerReply>
clang::dist::decodeStopServerReply(llvm::StringRef Payload) {
  Reader R(Payload, "StopServerReply");
  StopServerReply M;
  M.JobsInFlight = R.u32("jobs in flight");
  return R.finish(std::move(M));
}

std::string clang::dist::encode(const SlotBusy &M) {
  return Writer().u64(M.Id).take();
}

llvm::Expected<SlotBusy> clang::dist::decodeSlotBusy(llvm::StringRef Payload) {
  Reader R(Payload, "SlotBusy");
  SlotBusy M;
  M.Id = R.u64("job id");
  return R.finish(M);
}

std::string clang::dist::encode(const SlotFree &) { return {}; }

llvm::Expected<SlotFree> clang::dist::decodeSlotFree(llvm::StringRef Payload) {
  return Reader(Payload, "SlotFree").finish(SlotFree());
}

std::string clang::dist::encode(const DeclineSlot &) { return {}; }

llvm::Expected<DeclineSlot>
clang::dist::decodeDeclineSlot(llvm::StringRef Payload) {
  return Reader(Payload, "DeclineSlot").finish(DeclineSlot());
}
