//===- unittests/Protocol/MessagesTest.cpp - Message encoding tests -------===//
//
// Every message must survive a round trip with every field set, and every
// malformed payload a peer can send must be an error, never a crash or a
// huge allocation.
//
//===----------------------------------------------------------------------===//

#include "Protocol/Messages.h"
#include "DecoderChecks.h"
#include "llvm/Support/Endian.h"
#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <set>
#include <string>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using namespace std::string_literals;

namespace {

/// NUL bytes and bytes above 0x7f: strings are byte strings, not C strings.
const std::string Binary = "\0bin\xff\x80\0ary\0"s;


Hello makeHello() {
  Hello M;
  M.ClangVersion = "clang version 16.0.6" + Binary;
  M.Peer = "local server";
  M.Challenge[0] = 0x5a;
  M.Challenge[31] = 0xa5;
  return M;
}

HelloReply makeHelloReply() {
  HelloReply M;
  M.Accepted = true;
  M.Version = 7;
  M.ClangVersion = Binary;
  M.Reason = "welcome";
  M.AuthRequired = true;
  M.Challenge[1] = 1;
  M.Proof[30] = 2;
  return M;
}

SubmitJob makeSubmitJob() {
  SubmitJob M;
  M.WorkingDir = "/home/u/src";
  M.Args = {"-cc1", "", Binary, "-o", "a.o"};
  M.Umask = 077;
  return M;
}

JobOutcome makeJobOutcome() {
  JobOutcome M;
  M.Kind = JobOutcome::Disposition::Completed;
  M.ExitCode = -3;
  M.Diagnostics = "a.c:1:1: error: " + Binary;
  M.Reason = "compiled on build1:7000";
  return M;
}

CompileJob makeCompileJob() {
  CompileJob M;
  M.Id = 0x0123456789abcdefull;
  M.Mode = DistributionMode::Preprocessed;
  M.WorkingDir = "/w" + Binary;
  M.Args = {"-cc1", "-emit-obj", "", Binary};
  M.Files = {{"a.c", 3, Binary}, {"", 0, ""}, {"ignore.txt", 1ull << 40, "x"}};
  return M;
}

CompileResult makeCompileResult() {
  CompileResult M;
  M.Id = ~0ull;
  M.ExitCode = 1;
  M.Diagnostics = Binary;
  M.Outputs = {{OutputKind::Primary, 12345, Binary},
               {OutputKind::SplitDwarf, 0, ""}};
  return M;
}

} // namespace

TEST_CASE("Every message type has a name", "[Messages]") {
  CHECK(messageTypeName(MessageType::Hello) == "Hello");
  CHECK(messageTypeName(MessageType::HelloReply) == "HelloReply");
  CHECK(messageTypeName(MessageType::SubmitJob) == "SubmitJob");
  CHECK(messageTypeName(MessageType::JobOutcome) == "JobOutcome");
  CHECK(messageTypeName(MessageType::CompileJob) == "CompileJob");
  CHECK(messageTypeName(MessageType::CompileResult) == "CompileResult");
  CHECK(messageTypeName(MessageType::Heartbeat) == "Heartbeat");
  CHECK(messageTypeName(MessageType(0)) == "unknown");
}

TEST_CASE("Hello round trip", "[Messages]") {
  Hello In = makeHello();
  std::string Encoded = encode(In);
  // The magic is what lets a peer tell us from a stray connection.
  CHECK(Encoded.substr(0, 4) == "CDST");
  Hello Out = unwrap(decodeHello(Encoded));
  CHECK(Out.Version == In.Version);
  CHECK(Out.ClangVersion == In.ClangVersion);
  CHECK(Out.Peer == In.Peer);
  CHECK(Out.Challenge == In.Challenge);

  In.ClangVersion.clear();
  In.Peer.clear();
  Out = unwrap(decodeHello(encode(In)));
  CHECK(Out.ClangVersion.empty());
  CHECK(Out.Peer.empty());
}

TEST_CASE("HelloReply round trip", "[Messages]") {
  HelloReply In = makeHelloReply();
  HelloReply Out = unwrap(decodeHelloReply(encode(In)));
  CHECK(Out.Accepted == In.Accepted);
  CHECK(Out.Version == In.Version);
  CHECK(Out.ClangVersion == In.ClangVersion);
  CHECK(Out.Reason == In.Reason);
  CHECK(Out.AuthRequired);
  CHECK(Out.Challenge == In.Challenge);
  CHECK(Out.Proof == In.Proof);

  In.Accepted = false;
  In.ClangVersion.clear();
  In.Reason = "clang version mismatch" + Binary;
  Out = unwrap(decodeHelloReply(encode(In)));
  CHECK_FALSE(Out.Accepted);
  CHECK(Out.ClangVersion.empty());
  CHECK(Out.Reason == In.Reason);
}

TEST_CASE("SubmitJob rejects a umask with more than permission bits",
          "[Messages]") {
  SubmitJob In = makeSubmitJob();
  In.Umask = 01000;
  CHECK_THAT(errorText(decodeSubmitJob(encode(In))), Catch::Contains("umask"));
}

TEST_CASE("SubmitJob round trip", "[Messages]") {
  SubmitJob In = makeSubmitJob();
  SubmitJob Out = unwrap(decodeSubmitJob(encode(In)));
  CHECK(Out.WorkingDir == In.WorkingDir);
  CHECK(Out.Args == In.Args);
  CHECK(Out.Umask == 077u);

  In.WorkingDir.clear();
  In.Args.clear();
  Out = unwrap(decodeSubmitJob(encode(In)));
  CHECK(Out.WorkingDir.empty());
  CHECK(Out.Args.empty());
}

TEST_CASE("JobOutcome round trip", "[Messages]") {
  JobOutcome In = makeJobOutcome();
  JobOutcome Out = unwrap(decodeJobOutcome(encode(In)));
  CHECK(Out.Kind == In.Kind);
  CHECK(Out.ExitCode == In.ExitCode);
  CHECK(Out.Diagnostics == In.Diagnostics);
  CHECK(Out.Reason == In.Reason);

  CHECK(Out.Cause == FallbackCause::None);
  CHECK_FALSE(Out.Warn);

  In.Kind = JobOutcome::Disposition::Fallback;
  In.Diagnostics.clear();
  In.Reason = "no worker answered";
  In.Cause = FallbackCause::VersionMismatch;
  In.Slot = "10.0.0.5:63000";
  In.Warn = true;
  In.Suppressed = 1ull << 40;
  In.Notice = "the shared cache redis://cache:6379/0 does not answer";
  Out = unwrap(decodeJobOutcome(encode(In)));
  CHECK(Out.Kind == JobOutcome::Disposition::Fallback);
  CHECK(Out.Diagnostics.empty());
  CHECK(Out.Reason == In.Reason);
  CHECK(Out.Cause == FallbackCause::VersionMismatch);
  CHECK(Out.Slot == In.Slot);
  CHECK(Out.Warn);
  CHECK(Out.Suppressed == In.Suppressed);
  CHECK(Out.Notice == In.Notice);

  In.Kind = JobOutcome::Disposition::LocalByDesign;
  In.Cause = FallbackCause::None;
  In.Warn = false;
  Out = unwrap(decodeJobOutcome(encode(In)));
  CHECK(Out.Kind == JobOutcome::Disposition::LocalByDesign);
  CHECK(Out.Cause == FallbackCause::None);
}

TEST_CASE("Every fallback cause has a name and survives the wire",
          "[Messages]") {
  std::set<std::string> Names;
  for (FallbackCause Cause : fallbackCauses()) {
    Names.insert(fallbackCauseName(Cause).str());
    JobOutcome In;
    In.Kind = JobOutcome::Disposition::Fallback;
    In.Cause = Cause;
    CHECK(unwrap(decodeJobOutcome(encode(In))).Cause == Cause);
  }
  CHECK(Names.size() == fallbackCauses().size());
  CHECK(Names.count("version_mismatch"));
  CHECK_FALSE(Names.count("none"));
}

TEST_CASE("StatsRequest and StatsReply round trip", "[Messages]") {
  StatsRequest Ask;
  Ask.Zero = true;
  CHECK(unwrap(decodeStatsRequest(encode(Ask))).Zero);
  Ask.Zero = false;
  CHECK_FALSE(unwrap(decodeStatsRequest(encode(Ask))).Zero);

  StatsReply In;
  In.Counters = {{"jobs_remote", 3}, {"", ~0ull}, {Binary, 0}};
  StatsReply Out = unwrap(decodeStatsReply(encode(In)));
  CHECK(Out.Counters == In.Counters);
  checkEveryPrefixFails(encode(In), decodeStatsReply);
  checkEveryPrefixFails(encode(Ask), decodeStatsRequest);
}

TEST_CASE("CompileJob round trip", "[Messages]") {
  CompileJob In = makeCompileJob();
  CompileJob Out = unwrap(decodeCompileJob(encode(In)));
  CHECK(Out.Id == In.Id);
  CHECK(Out.Mode == In.Mode);
  CHECK(Out.WorkingDir == In.WorkingDir);
  CHECK(Out.Args == In.Args);
  REQUIRE(Out.Files.size() == In.Files.size());
  for (size_t I = 0; I < In.Files.size(); ++I) {
    INFO("file " << I);
    CHECK(Out.Files[I].Path == In.Files[I].Path);
    CHECK(Out.Files[I].RawSize == In.Files[I].RawSize);
    CHECK(Out.Files[I].Compressed == In.Files[I].Compressed);
  }
}

TEST_CASE("CompileResult round trip", "[Messages]") {
  CompileResult In = makeCompileResult();
  CompileResult Out = unwrap(decodeCompileResult(encode(In)));
  CHECK(Out.Id == In.Id);
  CHECK(Out.ExitCode == In.ExitCode);
  CHECK(Out.Diagnostics == In.Diagnostics);
  REQUIRE(Out.Outputs.size() == In.Outputs.size());
  for (size_t I = 0; I < In.Outputs.size(); ++I) {
    INFO("output " << I);
    CHECK(Out.Outputs[I].Kind == In.Outputs[I].Kind);
    CHECK(Out.Outputs[I].RawSize == In.Outputs[I].RawSize);
    CHECK(Out.Outputs[I].Compressed == In.Outputs[I].Compressed);
  }

  // A failed compile has no outputs; a clean one no diagnostics.
  In.Diagnostics.clear();
  In.Outputs.clear();
  Out = unwrap(decodeCompileResult(encode(In)));
  CHECK(Out.Diagnostics.empty());
  CHECK(Out.Outputs.empty());
  CHECK(!Out.Refused);

  // A refusal says why.
  In.Refused = true;
  In.ExitCode = 1;
  In.Diagnostics = "option '-load x.so' is not one a worker runs";
  Out = unwrap(decodeCompileResult(encode(In)));
  CHECK(Out.Refused);
  CHECK(Out.Diagnostics == In.Diagnostics);
}

TEST_CASE("A Hello is accepted only with the same protocol and clang",
          "[Messages]") {
  Hello H;
  H.ClangVersion = "clang 16";
  CHECK(whyRefuseHello(H, "clang 16", "this worker").empty());
  CHECK(whyRefuseHello(H, "clang 17", "this worker") ==
        "clang version mismatch: peer has 'clang 16', this worker has "
        "'clang 17'");
  H.Version = 999;
  // The protocol is named first: another version may lay out the rest
  // differently.
  CHECK(whyRefuseHello(H, "clang 17", "this server") ==
        "protocol version mismatch: peer speaks version 999, this server "
        "speaks version " +
            std::to_string(ProtocolVersion));
}

TEST_CASE("Heartbeat has an empty payload", "[Messages]") {
  CHECK(encode(Heartbeat{}).empty());
}

TEST_CASE("Every truncation of a message is an error", "[Messages]") {
  SECTION("Hello") { checkEveryPrefixFails(encode(makeHello()), decodeHello); }
  SECTION("HelloReply") {
    checkEveryPrefixFails(encode(makeHelloReply()), decodeHelloReply);
  }
  SECTION("SubmitJob") {
    checkEveryPrefixFails(encode(makeSubmitJob()), decodeSubmitJob);
  }
  SECTION("JobOutcome") {
    checkEveryPrefixFails(encode(makeJobOutcome()), decodeJobOutcome);
  }
  SECTION("CompileJob") {
    checkEveryPrefixFails(encode(makeCompileJob()), decodeCompileJob);
  }
  SECTION("CompileResult") {
    checkEveryPrefixFails(encode(makeCompileResult()), decodeCompileResult);
  }
}

TEST_CASE("A Hello of another protocol version yields its version alone",
          "[Messages]") {
  // Whatever else another version's Hello holds, the answer names both
  // versions; so its layout must not matter.
  std::string Encoded = encode(makeHello());
  overwriteU32(Encoded, 4, 1);
  Encoded.resize(8);
  Encoded += "whatever version 1 sent";
  Hello H = unwrap(decodeHello(Encoded));
  CHECK(H.Version == 1);
  CHECK(H.ClangVersion.empty());
}

TEST_CASE("Trailing bytes after a message are an error", "[Messages]") {
  auto Trailing = Contains("3 trailing bytes");
  std::string Extra("\0\0\0", 3);
  CHECK_THAT(errorText(decodeHello(encode(makeHello()) + Extra)), Trailing);
  CHECK_THAT(errorText(decodeHelloReply(encode(makeHelloReply()) + Extra)),
             Trailing);
  CHECK_THAT(errorText(decodeSubmitJob(encode(makeSubmitJob()) + Extra)),
             Trailing);
  CHECK_THAT(errorText(decodeJobOutcome(encode(makeJobOutcome()) + Extra)),
             Trailing);
  CHECK_THAT(errorText(decodeCompileJob(encode(makeCompileJob()) + Extra)),
             Trailing);
  CHECK_THAT(
      errorText(decodeCompileResult(encode(makeCompileResult()) + Extra)),
      Trailing);
}

TEST_CASE("Errors name the message and the field", "[Messages]") {
  std::string Encoded = encode(makeSubmitJob());
  CHECK_THAT(errorText(decodeSubmitJob(Encoded.substr(0, Encoded.size() - 1))),
             Contains("malformed SubmitJob message") && Contains("'umask'"));
  SubmitJob NoUmask = makeSubmitJob();
  std::string Short = encode(NoUmask);
  Short.resize(Short.size() - 4 - 1);
  CHECK_THAT(errorText(decodeSubmitJob(Short)), Contains("'arguments'"));
}

TEST_CASE("Hello with a bad magic is refused", "[Messages]") {
  std::string Encoded = encode(makeHello());
  Encoded[0] = 'X';
  CHECK_THAT(errorText(decodeHello(Encoded)), Contains("bad magic"));
  // An HTTP client or a peer of another protocol, say.
  CHECK_THAT(errorText(decodeHello("GET / HTTP/1.1\r\n\r\n")),
             Contains("bad magic"));
}

TEST_CASE("Absurd list and string lengths fail without allocating",
          "[Messages]") {
  // Every count is more than the rest of the payload can hold. Honouring
  // 0xFFFFFFFF would allocate over 100 GB (or throw), so passing at all means
  // the decoder looked before it allocated.
  const uint32_t Counts[] = {0xFFFFFFFF, 1u << 20, 2};

  SECTION("SubmitJob arguments") {
    SubmitJob M;
    M.WorkingDir = "w";
    std::string Encoded = encode(M);
    for (uint32_t Count : Counts) {
      INFO("count " << Count);
      // The argument count, before the umask.
      overwriteU32(Encoded, Encoded.size() - 8, Count);
      CHECK_THAT(errorText(decodeSubmitJob(Encoded)), Contains("'arguments'"));
    }
  }

  SECTION("CompileJob files") {
    CompileJob M = makeCompileJob();
    M.Files.clear();
    std::string Encoded = encode(M);
    // 1: one more than the none that follow.
    for (uint32_t Count : {0xFFFFFFFFu, 1u << 20, 1u}) {
      INFO("count " << Count);
      // The last field.
      overwriteU32(Encoded, Encoded.size() - 4, Count);
      CHECK_THAT(errorText(decodeCompileJob(Encoded)), Contains("'files'"));
    }
  }

  SECTION("CompileResult outputs") {
    CompileResult M = makeCompileResult();
    M.Outputs.clear();
    std::string Encoded = encode(M);
    for (uint32_t Count : Counts) {
      INFO("count " << Count);
      // Before the empty list of answers used (u32), the two flags (u8), the
      // empty list of inputs (u32) and the caching (u8).
      overwriteU32(Encoded, Encoded.size() - 15, Count);
      CHECK_THAT(errorText(decodeCompileResult(Encoded)),
                 Contains("'outputs'") || Contains("'output"));
    }
  }

  SECTION("String length") {
    SubmitJob M;
    M.WorkingDir = "abc";
    std::string Encoded = encode(M);
    overwriteU32(Encoded, 0, 0xFFFFFFFF);
    CHECK_THAT(errorText(decodeSubmitJob(Encoded)),
               Contains("'working directory'"));
  }
}

TEST_CASE("Unknown enum values are refused", "[Messages]") {
  SECTION("JobOutcome disposition") {
    std::string Encoded = encode(makeJobOutcome());
    Encoded[0] = 3;
    CHECK_THAT(errorText(decodeJobOutcome(Encoded)), Contains("disposition 3"));
  }

  SECTION("JobOutcome cause") {
    JobOutcome M;
    M.Kind = JobOutcome::Disposition::Fallback;
    M.Cause = FallbackCause::PathOutsideShared;
    std::string Encoded = encode(M);
    // After the disposition, exit code, and two empty strings.
    size_t At = 1 + 4 + 4 + 4;
    Encoded[At] = 17;
    CHECK_THAT(errorText(decodeJobOutcome(Encoded)), Contains("cause 17"));
    // A fallback needs a cause; nothing else may have one.
    Encoded[At] = 0;
    CHECK_THAT(errorText(decodeJobOutcome(Encoded)), Contains("cause 0"));
    Encoded[0] = 0;
    Encoded[At] = 1;
    CHECK_THAT(errorText(decodeJobOutcome(Encoded)), Contains("cause 1"));
  }

  SECTION("StatsRequest zero") {
    CHECK_THAT(errorText(decodeStatsRequest(std::string(1, '\2'))),
               Contains("zero 2"));
  }

  SECTION("CompileJob mode") {
    std::string Encoded = encode(makeCompileJob());
    // After the u64 id.
    for (char Kind : {0, 4, -1}) {
      Encoded[8] = Kind;
      CHECK_THAT(errorText(decodeCompileJob(Encoded)),
                 Contains("unknown mode"));
    }
  }

  SECTION("CompileResult output kind") {
    CompileResult M = makeCompileResult();
    M.Diagnostics.clear();
    M.Outputs.resize(1);
    std::string Encoded = encode(M);
    // After id (8), exit code (4), empty diagnostics (4) and the count (4).
    for (char Kind : {0, 4, -1}) {
      Encoded[20] = Kind;
      CHECK_THAT(errorText(decodeCompileResult(Encoded)),
                 Contains("unknown output kind"));
    }
  }
}

TEST_CASE("A CompileJob that reads local files carries none", "[Messages]") {
  CompileJob M = makeCompileJob();
  M.Mode = DistributionMode::LocalFiles;
  CHECK_THAT(errorText(decodeCompileJob(encode(M))),
             Contains("files with a job that reads local files"));
  M.Files.clear();
  CompileJob Out = unwrap(decodeCompileJob(encode(M)));
  CHECK(Out.Mode == DistributionMode::LocalFiles);
  CHECK(Out.WorkingDir == M.WorkingDir);
  CHECK(Out.Args == M.Args);
  CHECK(Out.Files.empty());
}

TEST_CASE("CompileJob without a main file is refused", "[Messages]") {
  CompileJob M = makeCompileJob();
  M.Files.clear();
  CHECK_THAT(errorText(decodeCompileJob(encode(M))), Contains("no main file"));
}

namespace {

ServerStatus makeServerStatus() {
  ServerStatus M;
  M.Pid = 4242;
  M.StartTime = 1764900000;
  M.ConfigPath = "/home/u/dist.conf" + Binary;
  M.Mode = DistributionMode::Preprocessed;
  M.Retiring = true;
  M.JobsInFlight = 3;
  M.SlotCount = 5;
  M.JobsFinished = 1u << 20;
  M.FinishedLastMinute = 77;
  M.Jobs = {
      {"/src/a.cpp", ServerStatus::JobState::Compiling, "10.0.0.5:63000", 1500},
      {"/src/b.cpp" + Binary, ServerStatus::JobState::Queued, "", 3}};
  M.Slots = {{"10.0.0.5:63000", ServerStatus::SlotState::Busy, 0, "", 12},
             {"10.0.0.6:63000", ServerStatus::SlotState::BackedOff, 25000,
              "connect: Connection refused", 0}};
  M.Fallbacks = {{1764900100, "/src/c.c", "every slot is backed off"}};
  return M;
}

} // namespace

TEST_CASE("ServerStatus round trip", "[Messages]") {
  ServerStatus In = makeServerStatus();
  ServerStatus Out = unwrap(decodeServerStatus(encode(In)));
  CHECK(Out.Pid == In.Pid);
  CHECK(Out.StartTime == In.StartTime);
  CHECK(Out.ConfigPath == In.ConfigPath);
  CHECK(Out.Mode == In.Mode);
  CHECK(Out.Retiring);
  CHECK(Out.JobsInFlight == 3);
  CHECK(Out.SlotCount == 5);
  CHECK(Out.JobsFinished == In.JobsFinished);
  CHECK(Out.FinishedLastMinute == 77);
  REQUIRE(Out.Jobs.size() == 2);
  CHECK(Out.Jobs[1].Source == In.Jobs[1].Source);
  CHECK(Out.Jobs[0].State == ServerStatus::JobState::Compiling);
  CHECK(Out.Jobs[0].Slot == "10.0.0.5:63000");
  CHECK(Out.Jobs[0].ElapsedMs == 1500);
  REQUIRE(Out.Slots.size() == 2);
  CHECK(Out.Slots[0].JobsDone == 12);
  CHECK(Out.Slots[1].State == ServerStatus::SlotState::BackedOff);
  CHECK(Out.Slots[1].BackedOffMs == 25000);
  CHECK(Out.Slots[1].Why == In.Slots[1].Why);
  REQUIRE(Out.Fallbacks.size() == 1);
  CHECK(Out.Fallbacks[0].Time == In.Fallbacks[0].Time);
  CHECK(Out.Fallbacks[0].Source == "/src/c.c");
  CHECK(Out.Fallbacks[0].Reason == "every slot is backed off");

  checkEveryPrefixFails(encode(In), decodeServerStatus);
  CHECK_THAT(errorText(decodeServerStatus(encode(In) + "x")),
             Contains("1 trailing bytes"));
}

TEST_CASE("A ServerStatus over its bounds is refused", "[Messages]") {
  auto Refused = [](const ServerStatus &M, const char *Field) {
    CHECK_THAT(
        errorText(decodeServerStatus(encode(M))),
        Contains("malformed ServerStatus message: bad " + std::string(Field)));
  };
  ServerStatus M = makeServerStatus();
  M.Jobs[0].Source.assign(ServerStatus::MaxText + 1, 'x');
  Refused(M, "job source");
  M = makeServerStatus();
  M.Fallbacks.resize(ServerStatus::MaxFallbacks + 1);
  Refused(M, "fallbacks");
  M = makeServerStatus();
  M.Jobs[0].State = static_cast<ServerStatus::JobState>(9);
  Refused(M, "job state");
  M = makeServerStatus();
  M.Slots[0].State = static_cast<ServerStatus::SlotState>(0);
  Refused(M, "slot state");
  M = makeServerStatus();
  M.Mode = static_cast<DistributionMode>(0);
  Refused(M, "mode");
  // More listed than there are.
  M = makeServerStatus();
  M.JobsInFlight = 1;
  Refused(M, "jobs in flight");
}

TEST_CASE("StatusRequest, StopServer and StopServerReply", "[Messages]") {
  CHECK(encode(StatusRequest{}).empty());
  CHECK(encode(StopServer{}).empty());
  CHECK_THAT(errorText(decodeStopServer("x")), Contains("1 trailing bytes"));
  StopServerReply In;
  In.JobsInFlight = 9;
  CHECK(unwrap(decodeStopServerReply(encode(In))).JobsInFlight == 9);
  checkEveryPrefixFails(encode(In), decodeStopServerReply);
}
