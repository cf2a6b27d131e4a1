//===- fuzz/GenerateSeeds.cpp - Seed corpora from the current encoders ----===//
//
// Usage: fuzz-generate-seeds DIR
//
// Writes DIR/frames, DIR/messages, DIR/decompress and DIR/cachevalues: a few
// valid inputs for
// each target, encoded by today's encoders, from which the fuzzers mutate
// their way into every field. A corpus checked in as bytes would go stale
// with each protocol change.
//
//===----------------------------------------------------------------------===//

#include "Protocol/Compression.h"
#include "Protocol/Frame.h"
#include "Protocol/Messages.h"
#include "ResultCache/Entry.h"
#include "ResultCache/Manifest.h"
#include "ResultCache/Seal.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang::dist;

namespace {

void writeSeed(llvm::StringRef Dir, llvm::StringRef Name,
               llvm::StringRef Bytes) {
  llvm::SmallString<256> Path(Dir);
  llvm::sys::path::append(Path, Name);
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  if (!EC) {
    OS << Bytes;
    OS.close();
    EC = OS.error();
  }
  if (EC) {
    llvm::errs() << "fuzz-generate-seeds: " << Path << ": " << EC.message()
                 << "\n";
    std::exit(1);
  }
}

/// One of each message, with every field set, and lists of more than one.
struct Samples {
  Hello H;
  HelloReply Reply;
  Authenticate Auth;
  SubmitJob Submit;
  JobOutcome Outcome, Fallback;
  StatsRequest AskStats;
  StatsReply Counters;
  CompileJob Rewritten, Sources;
  CompileResult Result;
  NeedBlobs Need;
  Blobs Contents;
  Lookup Ask;
  LookupReply Answer;

  Samples() {
    H.ClangVersion = "Debian clang version 16.0.6 (15~deb12u1)";
    H.Peer = "local server";
    H.User = "alice";
    H.Challenge.fill(0x5a);

    Reply.Accepted = true;
    Reply.ClangVersion = H.ClangVersion;
    Reply.AuthRequired = true;
    Reply.Challenge.fill(0xa5);
    Reply.Speed = 512;
    Reply.Proof.fill(0x3c);

    Auth.Proof.fill(0xc3);

    Submit.WorkingDir = "/home/user/project";
    Submit.Args = {"-cc1",      "-triple", "x86_64-pc-linux-gnu",
                   "-emit-obj", "-o",      "main.o",
                   "-x",        "c",       "main.c"};

    Outcome.Kind = JobOutcome::Disposition::Completed;
    Outcome.ExitCode = 1;
    Outcome.Diagnostics = "main.c:1:1: error: unknown type name 'x'\n";

    Fallback.Kind = JobOutcome::Disposition::Fallback;
    Fallback.Reason = "cannot connect: Connection refused";
    Fallback.Cause = FallbackCause::Unreachable;
    Fallback.Slot = "10.0.0.5:63000";
    Fallback.Warn = true;
    Fallback.Suppressed = 12;

    AskStats.Zero = true;
    Counters.Counters = {{"jobs_remote", 41}, {"slot/10.0.0.5:63000/jobs", 7}};

    std::string Main = "int main(void) { return 0; }\n";
    Rewritten.Id = 7;
    Rewritten.Mode = DistributionMode::Preprocessed;
    Rewritten.WorkingDir = Submit.WorkingDir;
    Rewritten.Args = Submit.Args;
    Rewritten.Files = {{"main.c", Main.size(), compress(Main)},
                       {"ignore.txt", 0, compress("")}};

    Sources.Id = 8;
    Sources.Mode = DistributionMode::Sources;
    Sources.WorkingDir = Submit.WorkingDir;
    Sources.Args = Submit.Args;

    Ask.Id = 8;
    Ask.Path = "/home/user/project/main.c";
    Answer.Id = 8;
    Answer.Index = 3;
    Answer.Info.Kind = PathInfo::PathKind::File;
    Answer.Info.Device = 2049;
    Answer.Info.Inode = 1234567;
    Answer.Info.Size = Main.size();
    Answer.Info.ModificationTime = 1700000000123456789;
    Answer.Info.Permissions = 0644;
    Answer.Info.Digest = digestContents(Main);

    std::string Object = "\177ELF object";
    std::string Deps = "main.o: main.c\n";
    Result.Id = 8;
    Result.Diagnostics = "main.c:1:5: warning: unused\n";
    Result.Outputs = {{OutputKind::Primary, Object.size(), compress(Object)},
                      {OutputKind::Dependencies, Deps.size(), compress(Deps)}};
    Result.Consulted = {0, 3, 1};

    Need.Id = 8;
    Need.Digests = {digestContents(Main), digestContents(Deps)};

    Contents.Id = 8;
    Contents.Contents = {{digestContents(Main), Main.size(), compress(Main)},
                         {digestContents(Deps), Deps.size(), compress(Deps)}};
  }
};

/// fuzz-messages: the message type, then the payload.
template <typename M> std::string messageInput(const M &Message) {
  return static_cast<char>(MessageTraits<M>::Type) + encode(Message);
}

/// fuzz-decompress: the raw size, then the zstd frame.
std::string decompressInput(llvm::StringRef Raw) {
  std::string Input(8, '\0');
  llvm::support::endian::write64le(Input.data(), Raw.size());
  return Input + compress(Raw);
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc != 2) {
    llvm::errs() << "usage: fuzz-generate-seeds DIR\n";
    return 2;
  }
  llvm::SmallString<256> Frames(Argv[1]), Messages(Argv[1]),
      Decompress(Argv[1]), CacheValues(Argv[1]);
  llvm::sys::path::append(Frames, "frames");
  llvm::sys::path::append(Messages, "messages");
  llvm::sys::path::append(Decompress, "decompress");
  llvm::sys::path::append(CacheValues, "cachevalues");
  for (llvm::StringRef Dir : {Frames, Messages, Decompress, CacheValues})
    if (std::error_code EC = llvm::sys::fs::create_directories(Dir)) {
      llvm::errs() << "fuzz-generate-seeds: " << Dir << ": " << EC.message()
                   << "\n";
      return 1;
    }

  Samples S;
  writeSeed(Messages, "hello", messageInput(S.H));
  writeSeed(Messages, "hello-reply", messageInput(S.Reply));
  writeSeed(Messages, "authenticate", messageInput(S.Auth));
  writeSeed(Messages, "submit-job", messageInput(S.Submit));
  writeSeed(Messages, "job-outcome", messageInput(S.Outcome));
  writeSeed(Messages, "job-outcome-fallback", messageInput(S.Fallback));
  writeSeed(Messages, "stats-request", messageInput(S.AskStats));
  writeSeed(Messages, "stats-reply", messageInput(S.Counters));
  writeSeed(Messages, "compile-job-rewritten", messageInput(S.Rewritten));
  writeSeed(Messages, "compile-job-sources", messageInput(S.Sources));
  // Jobs a crafted peer sent that made a worker write files of its choosing
  // (issue 20), now refused by the worker's policy: their decoding stays
  // fuzzed.
  const std::vector<std::string> Crafted[] = {
      {"-cc1", "-E", "-o", "/any/path", "x.c"},
      {"-cc1", "-E", "-frewrite-includes", "-o", "/any/path", "x.c"},
      {"-cc1", "-emit-pch", "-o", "/any/path", "x.h"},
      {"-cc1", "-ast-print", "-o", "/any/path", "x.c"},
      {"-cc1", "-fixit", "/any/path", "x.c"},
      {"-cc1", "-fixit=.sfx", "x.c"},
      {"-cc1", "-module-file-info", "x.pcm"},
  };
  for (const std::vector<std::string> &Args : Crafted) {
    CompileJob Job = S.Sources;
    Job.Args = Args;
    writeSeed(Messages, "compile-job-crafted" + Args[1], messageInput(Job));
  }
  writeSeed(Messages, "compile-result", messageInput(S.Result));
  writeSeed(Messages, "need-blobs", messageInput(S.Need));
  writeSeed(Messages, "blobs", messageInput(S.Contents));
  writeSeed(Messages, "lookup", messageInput(S.Ask));
  writeSeed(Messages, "lookup-reply", messageInput(S.Answer));
  ServerStatus Status;
  Status.Pid = 4242;
  Status.ConfigPath = "/home/u/dist.conf";
  Status.JobsInFlight = 2;
  Status.SlotCount = 2;
  Status.Jobs = {
      {"main.c", ServerStatus::JobState::Compiling, "10.0.0.5:63000", 1500},
      {"other.c", ServerStatus::JobState::Queued, "", 20}};
  Status.Slots = {{"10.0.0.5:63000", ServerStatus::SlotState::Busy, 0, "", 3},
                  {"10.0.0.6:63000", ServerStatus::SlotState::BackedOff, 25000,
                   "cannot connect: Connection refused", 0}};
  Status.Fallbacks = {{1764900000, "gen.c", "every slot is backed off"}};
  writeSeed(Messages, "server-status", messageInput(Status));
  writeSeed(Messages, "stop-server-reply", messageInput(StopServerReply{3}));
  writeSeed(Messages, "slot-busy", messageInput(SlotBusy{42}));

  // A connection's frames as each side writes them.
  writeSeed(Frames, "client", encodeFrame(S.H) + encodeFrame(S.Submit));
  writeSeed(Frames, "local-server",
            encodeFrame(S.Reply) + encodeFrame(S.Outcome));
  writeSeed(Frames, "monitor",
            encodeFrame(S.H) + encodeFrame(StatusRequest()) +
                encodeFrame(StatusRequest()) + encodeFrame(StopServer()));
  writeSeed(Frames, "server-to-worker",
            encodeFrame(S.H) + encodeFrame(S.Auth) + encodeFrame(S.Sources) +
                encodeFrame(S.Contents) + encodeFrame(DeclineSlot()));
  writeSeed(Frames, "worker-to-server",
            encodeFrame(S.Reply) + encodeFrame(S.Need) +
                encodeFrame(Heartbeat()) + encodeFrame(S.Result) +
                encodeFrame(SlotBusy{43}) + encodeFrame(SlotFree()));

  writeSeed(Decompress, "empty", decompressInput(""));
  writeSeed(Decompress, "text",
            decompressInput("#include <stdio.h>\nint main(void) {\n"
                            "  puts(\"hello\");\n  return 0;\n}\n"));
  writeSeed(Decompress, "repetitive", decompressInput(std::string(5000, 'x')));
  // Over 64 KiB, as most objects are: a 4-byte size field, and more than one
  // block.
  std::string Large;
  while (Large.size() < 200000)
    Large += "static int unused(void) { return 0; }\n";
  writeSeed(Decompress, "large", decompressInput(Large));

  // The result cache's values: the kind's letter, then the body, unsealed
  // (fuzz-cachevalues seals it).
  PathInfo Header;
  Header.Kind = PathInfo::PathKind::File;
  Header.Inode = 7;
  Header.Digest = digestContents("#define A 1\n");
  PathInfo Dir;
  Dir.Kind = PathInfo::PathKind::Directory;
  Dir.Inode = 8;
  Manifest M;
  M.add(describeInputs({{"/src/a.c", Header},
                        {"/src/link.h", Header},
                        {"/src", Dir},
                        {"/inc/a.h", PathInfo()}}));
  Header.Digest = digestContents("#define A 2\n");
  M.add(describeInputs({{"/src/a.c", Header}, {"/inc/a.h", PathInfo()}}));
  std::string Sealed = M.encode();
  writeSeed(CacheValues, "manifest",
            "m" + llvm::cantFail(unseal(SealedKind::Manifest, Sealed)).str());
  Sealed = encodeEntry(S.Result.ExitCode, S.Result.Diagnostics,
                       llvm::ArrayRef(S.Result.Outputs));
  writeSeed(CacheValues, "entry-compressed",
            "r" + llvm::cantFail(unseal(SealedKind::Result, Sealed)).str());
  std::vector<OutputBytes> Written;
  for (const OutputBlob &B : S.Result.Outputs)
    Written.push_back(
        {B.Kind, llvm::cantFail(decompress(B.Compressed, B.RawSize))});
  Sealed = encodeEntry(S.Result.ExitCode, S.Result.Diagnostics, Written);
  writeSeed(CacheValues, "entry",
            "r" + llvm::cantFail(unseal(SealedKind::Result, Sealed)).str());
  return 0;
}
