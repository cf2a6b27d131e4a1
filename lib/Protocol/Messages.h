//===- Protocol/Messages.h - The messages clang-dist processes --*- C++ -*-===//
//
// Every connection (client -> local server over a UNIX socket, local server ->
// worker over TCP) carries frames; docs/PROTOCOL.md describes them byte by
// byte. A message is a plain struct with an encoder and a decoder; decoders
// reject truncated, oversized and trailing input with an error that names the
// message and field.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_PROTOCOL_MESSAGES_H
#define CLANG_DIST_PROTOCOL_MESSAGES_H

#include "Protocol/ContentDigest.h"
#include "Protocol/DistributionMode.h"
#include "Protocol/FallbackCause.h"
#include "Protocol/SharedSecret.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <vector>

namespace clang::dist {

/// "CDST" read as a little-endian u32: the first field of every Hello.
inline constexpr uint32_t ProtocolMagic = 0x54534443;
/// Bumped on every incompatible change; peers must match exactly.
inline constexpr uint32_t ProtocolVersion = 8;

enum class MessageType : uint32_t {
#define MESSAGE(Name, Number, MaxPayload) Name = Number,
#include "Protocol/MessageTypes.def"
};

llvm::StringRef messageTypeName(MessageType Type);
/// The largest payload a frame of \p Type may carry (MessageTypes.def).
uint32_t maxPayload(MessageType Type);
/// Whether \p Number is a message type of this protocol version.
bool isMessageType(uint32_t Number);

/// First frame in each direction of every connection.
struct Hello {
  uint32_t Version = ProtocolVersion;
  /// clang::getClangFullVersion() of the sender: compiles must match exactly.
  std::string ClangVersion;
  /// Free text for logs ("clang-dist client", "local server", ...).
  std::string Peer;
  /// Whose jobs the sender's come from (a local server's: its user's name),
  /// at most MaxUserName bytes: a worker shares a busy slot's time fairly
  /// between users, not between connections. Empty from a client.
  std::string User;
  /// The sender's half of the authentication (SharedSecret.h); unused on
  /// the client's UNIX socket, which the runtime directory protects.
  Nonce Challenge{};
};

/// The longest Hello::User a decoder accepts.
inline constexpr size_t MaxUserName = 256;

/// Why the side that got \p H refuses the peer, or "" to accept it: an
/// object compiled by another clang would differ from a local compile, so the
/// protocol and the clang version must both match exactly. \p Self names
/// this side in the reason ("this worker"); the protocol is named first.
std::string whyRefuseHello(const Hello &H, llvm::StringRef OurClangVersion,
                           llvm::StringRef Self);

struct HelloReply {
  bool Accepted = false;
  uint32_t Version = ProtocolVersion;
  std::string ClangVersion;
  /// Why the peer was refused; empty when accepted.
  std::string Reason;
  /// Set by a worker with a shared secret: the peer must send Authenticate
  /// before anything else, and Proof is the worker's own.
  bool AuthRequired = false;
  Nonce Challenge{};
  clang::dist::Proof Proof{};
  /// A worker's speed, as its supervisor measured it when it started
  /// (Worker/Speed.h): higher is faster, proportionally; 0 if unknown. A
  /// server prefers the faster of the slots it may choose from.
  uint32_t Speed = 0;
};

/// Local server -> worker, right after a HelloReply that requires it: the
/// server's proof of the shared secret. A worker that finds it wrong sends a
/// HelloReply refusing the peer, and closes.
struct Authenticate {
  clang::dist::Proof Proof{};
};

/// Client -> local server: one compile job as the driver built it.
struct SubmitJob {
  /// The client's working directory; relative paths in Args are relative to it.
  std::string WorkingDir;
  /// The cc1 arguments, starting with "-cc1".
  std::vector<std::string> Args;
  /// The client's umask: files the server creates get the mode the client's
  /// own clang would have given them.
  uint32_t Umask = 022;
};

/// Local server -> client: how the job ended.
struct JobOutcome {
  enum class Disposition : uint8_t {
    /// Compiled remotely; outputs are written; print Diagnostics, exit
    /// ExitCode.
    Completed = 0,
    /// The farm failed the job (Cause, Slot, Reason say how): the client
    /// runs it itself, and warns if Warn is set.
    Fallback = 1,
    /// The job stays on the client by design (the policy, the mode); Reason
    /// says why, for the log. Nothing is printed.
    LocalByDesign = 2,
  };
  Disposition Kind = Disposition::Fallback;
  int32_t ExitCode = 0;
  std::string Diagnostics;
  /// Free text for the log and the warning.
  std::string Reason;
  /// Fallback: why; None otherwise.
  FallbackCause Cause = FallbackCause::None;
  /// Fallback: the slot that failed the job ("HOST:PORT"), if one did.
  std::string Slot;
  /// Fallback: the client prints a warning. The server sets it for a few
  /// outcomes only, so that a build against a dead farm prints a few lines.
  bool Warn = false;
  /// With Warn: fallbacks of this cause not warned about since the last
  /// warning, in this server's life.
  uint64_t Suppressed = 0;
  /// Any disposition: a warning of the server's own that the client prints
  /// first, once per trouble (the shared cache stopped answering); empty
  /// mostly.
  std::string Notice;
};

/// Client -> local server, right after Hello, instead of a SubmitJob: the
/// server's counters (docs/MONITORING.md), zeroed first if Zero is set.
struct StatsRequest {
  bool Zero = false;
};

/// Local server -> client: every counter, in key order.
struct StatsReply {
  std::vector<std::pair<std::string, uint64_t>> Counters;
};

/// A file carried in a message, compressed with zstd.
struct FileBlob {
  std::string Path;
  uint64_t RawSize = 0;
  std::string Compressed;
};

/// What one path is on the client's machine, as the local server answers a
/// worker's Lookup in the sources mode.
struct PathInfo {
  enum class PathKind : uint8_t {
    File = 1,
    Directory = 2,
    /// No such file or directory.
    Missing = 3,
    /// A component of the path is a file.
    NotADirectory = 4,
    /// Something a compile on a worker cannot be given: a device, a FIFO, a
    /// file the server cannot read. A job that looks at one runs locally.
    Unavailable = 5,
    /// In a LookupReply only: the job may not read the path (it is outside
    /// its include search path, source tree, working directory and shared
    /// paths), whether or not it exists. The job will run locally.
    Refused = 6,
  };
  PathKind Kind = PathKind::Missing;
  /// File, Directory: clang treats two paths with one identity as one file
  /// (#pragma once, include guards), so the worker must too.
  uint64_t Device = 0;
  uint64_t Inode = 0;
  /// File: of the contents.
  uint64_t Size = 0;
  /// File: nanoseconds since the epoch (__TIMESTAMP__ prints it). Zero for a
  /// directory, whose times change with every file the build writes there.
  int64_t ModificationTime = 0;
  /// File: the permission bits.
  uint32_t Permissions = 0;
  /// File: of the contents.
  ContentDigest Digest{};
  friend bool operator==(const PathInfo &, const PathInfo &) = default;
};

/// Local server -> worker.
struct CompileJob {
  uint64_t Id = 0;
  DistributionMode Mode = DistributionMode::Preprocessed;
  std::string WorkingDir;
  /// cc1 arguments, starting with "-cc1"; the worker replaces input, outputs
  /// and dependency options itself.
  std::vector<std::string> Args;
  /// Preprocessed: Files[0] is the main file; the rest are other inputs
  /// the compile reads (sanitizer ignore lists, ...), at the paths the
  /// arguments name. Sources, LocalFiles: empty.
  std::vector<FileBlob> Files;
};

/// Worker -> local server, while it compiles a job of the sources mode: what
/// is at \p Path (absolute, as the compile spells it)? The worker asks about a
/// path it has no answer for; an answer holds for later jobs until the
/// server finds it untrue (CompileResult::Consulted) and sends a new one.
struct Lookup {
  uint64_t Id = 0;
  std::string Path;
};

/// Local server -> worker: the answer, and its index among all the answers the
/// server has given.
struct LookupReply {
  uint64_t Id = 0;
  uint32_t Index = 0;
  PathInfo Info;
};

/// Local server -> worker, right before a CompileJob: the answers the server
/// gave since the last Answers on this connection, to any worker, in the order
/// given (a later answer about a path replaces an earlier one). A worker then
/// asks only about paths no other worker asked about. Travels zstd-compressed.
struct Answers {
  struct Entry {
    uint32_t Index = 0;
    std::string Path;
    PathInfo Info;
  };
  std::vector<Entry> Entries;
};

/// Worker -> local server, while it compiles a job of the sources mode: the
/// contents of files it was told of (LookupReply) that its cache lacks. An
/// empty list is never sent.
struct NeedBlobs {
  uint64_t Id = 0;
  std::vector<ContentDigest> Digests;
};

/// Local server -> worker: the contents asked for, each zstd-compressed.
struct Blobs {
  struct Blob {
    ContentDigest Digest{};
    uint64_t RawSize = 0;
    std::string Compressed;
  };
  uint64_t Id = 0;
  std::vector<Blob> Contents;
};

enum class OutputKind : uint8_t {
  /// The file -o names: an object, bitcode or assembly.
  Primary = 1,
  /// The .dwo file of -gsplit-dwarf.
  SplitDwarf = 2,
  /// The dependency file (-MD and friends); sources mode only.
  Dependencies = 3,
};

struct OutputBlob {
  OutputKind Kind = OutputKind::Primary;
  uint64_t RawSize = 0;
  std::string Compressed;
};

/// An output as it is written to its file: an OutputBlob decompressed, or
/// one from the result cache.
struct OutputBytes {
  OutputKind Kind = OutputKind::Primary;
  std::string Bytes;
};

/// LocalFiles: a path the compile looked at, and what it found there. A
/// file's Digest is of the bytes the compile read; ModificationTime and
/// Permissions are not recorded (zero).
struct CompileInput {
  std::string Path;
  PathInfo Info;
};

/// Whether the local server may keep a result in its result cache: the
/// worker knows what the compile did that the key cannot cover.
enum class Cacheability : uint8_t {
  Cacheable = 0,
  /// The compile expanded __DATE__, __TIME__ or __TIMESTAMP__.
  TimeMacro = 1,
  /// LocalFiles: it listed a directory, or a path it looked at gave an
  /// error other than "no such file" or "not a directory".
  UnrecordedInput = 2,
  /// LocalFiles: an option makes it read a file other than through its
  /// file system (Policy's ALLOW_IF_SHARED_DISK).
  ReadsOtherFiles = 3,
};

/// "time_macro", "unrecorded_input", "reads_other_files" ("cacheable"), as
/// the stats name them.
llvm::StringRef cacheabilityName(Cacheability C);

/// Worker -> local server.
struct CompileResult {
  uint64_t Id = 0;
  /// What clang -cc1 would have exited with.
  int32_t ExitCode = 0;
  /// Exactly what clang -cc1 would have written to stderr.
  std::string Diagnostics;
  std::vector<OutputBlob> Outputs;
  /// Sources: the index of every answer (LookupReply, Answers) the compile
  /// used, each once; the server checks them against the disk.
  std::vector<uint32_t> Consulted;
  /// Sources: the compile asked what no Lookup answers (a directory's
  /// listing); the server runs the job locally.
  bool Unanswerable = false;
  /// The worker runs no such job (Policy/Distributable.h), and Diagnostics
  /// says why: the server runs it on the client, whose clang-16 compiles it
  /// as it would have anyway.
  bool Refused = false;
  /// LocalFiles: every path the compile looked at, each once, in the order
  /// it first did; the server's result cache keys the result on them.
  std::vector<CompileInput> Inputs;
  Cacheability Caching = Cacheability::Cacheable;
};

/// Worker -> local server while a job of the connection is queued or running,
/// so that a slow compile is not mistaken for a dead peer.
struct Heartbeat {};

/// Client -> local server, after Hello and instead of SubmitJob: what is the
/// server doing? The server answers with a ServerStatus and reads the next
/// request on the same connection (clang-dist --monitor asks once a second).
/// A connection that asks only this keeps no server from going idle.
struct StatusRequest {};

/// Local server -> client: a snapshot for clang-dist --monitor. Lists hold
/// at most the Max* below (a server lists the first ones), strings at most
/// MaxText bytes (a server keeps their end: a path's file name); a decoder
/// refuses more.
struct ServerStatus {
  static constexpr uint32_t MaxJobs = 1024;
  static constexpr uint32_t MaxSlots = 1024;
  static constexpr uint32_t MaxFallbacks = 32;
  static constexpr uint32_t MaxText = 1024;

  enum class JobState : uint8_t {
    /// The server decides whether it can leave the machine, and prepares it
    /// (the preprocessed mode's rewriting).
    Preparing = 1,
    /// Waits for a free slot.
    Queued = 2,
    /// On a slot.
    Compiling = 3,
    /// The server checks the result and writes the outputs.
    Storing = 4,
  };
  struct Job {
    std::string Source;
    JobState State = JobState::Preparing;
    /// The slot's address while compiling or storing; empty otherwise.
    std::string Slot;
    uint64_t ElapsedMs = 0;
  };
  enum class SlotState : uint8_t {
    Idle = 1,
    /// Idle, connecting ahead of a job.
    Connecting = 2,
    Busy = 3,
    /// Gets no job for BackedOffMs more, after it failed (Why).
    BackedOff = 4,
  };
  struct Slot {
    std::string Name;
    SlotState State = SlotState::Idle;
    uint64_t BackedOffMs = 0;
    std::string Why;
    /// Jobs compiled by this slot since the server started.
    uint64_t JobsDone = 0;
  };
  /// A job the farm failed (a fallback), which the client compiled.
  struct Fallback {
    /// Seconds since the epoch.
    int64_t Time = 0;
    std::string Source;
    std::string Reason;
  };

  uint32_t Pid = 0;
  /// Seconds since the epoch.
  int64_t StartTime = 0;
  /// The config's real path; empty for the built-in default.
  std::string ConfigPath;
  DistributionMode Mode = DistributionMode::Sources;
  /// No longer listening: finishes its jobs in flight, then exits.
  bool Retiring = false;
  /// All of them; Jobs lists the first MaxJobs, oldest first.
  uint32_t JobsInFlight = 0;
  uint32_t SlotCount = 0;
  /// Jobs ended since the server started, and in the last minute: remote
  /// or sent back to the client.
  uint64_t JobsFinished = 0;
  uint32_t FinishedLastMinute = 0;
  std::vector<Job> Jobs;
  std::vector<Slot> Slots;
  /// The most recent last.
  std::vector<Fallback> Fallbacks;
};

/// Client -> local server, after Hello and instead of SubmitJob: stop
/// listening, finish the jobs in flight, exit (clang-dist --stop-server).
struct StopServer {};

/// Local server -> client: it stops, once its jobs in flight are done.
struct StopServerReply {
  uint32_t JobsInFlight = 0;
};

/// Worker -> local server, at once, instead of taking job Id: the slot is
/// compiling, or is offered to another server (SlotFree). The job is not
/// kept; the server sends it elsewhere or keeps it queued. The slot now
/// counts the server among its waiters, and offers itself (SlotFree) when
/// it is the server's turn.
struct SlotBusy {
  uint64_t Id = 0;
};

/// Worker -> local server, to a waiter only: the slot is free and reserved
/// for this server for a few seconds. The answer is a CompileJob (the slot
/// takes it) or a DeclineSlot.
struct SlotFree {};

/// Local server -> worker, after a SlotFree: no job waits; the server is no
/// longer a waiter, and the slot offers itself to the next one. Ignored when
/// it comes too late (the reservation expired).
struct DeclineSlot {};

// The encoder and the decoder of each message: encode(const Hello &),
// decodeHello(StringRef), ...
#define MESSAGE(Name, Number, MaxPayload)                                      \
  std::string encode(const Name &M);                                           \
  llvm::Expected<Name> decode##Name(llvm::StringRef Payload);
#include "Protocol/MessageTypes.def"

template <typename M> struct MessageTraits;
#define MESSAGE(Name, Number, MaxPayload)                                      \
  template <> struct MessageTraits<Name> {                                     \
    static constexpr MessageType Type = MessageType::Name;                     \
    static llvm::Expected<Name> decode(llvm::StringRef Payload) {              \
      return decode##Name(Payload);                                            \
    }                                                                          \
  };
#include "Protocol/MessageTypes.def"

} // namespace clang::dist

#endif
