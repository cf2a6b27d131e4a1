//===- unittests/Protocol/MessagesSourcesTest.cpp - Sources mode messages -===//
//
// The messages of the sources mode (protocol version 3): a CompileJob that
// carries no files, the worker's Lookup and the server's LookupReply,
// NeedBlobs, Blobs, and the CompileResult's dependency file and the answers it
// used. A worker compiles from what a LookupReply says and a server keeps an
// object only after checking the answers a result names, so every field must
// survive a round trip and every malformed message must be refused with an
// error that says what is wrong, never a crash or a huge allocation.
// (MessagesTest.cpp covers the messages of version 1; this file keeps the
// sources mode's apart.)
//
//===----------------------------------------------------------------------===//

#include "DecoderChecks.h"
#include "Protocol/Messages.h"
#include "llvm/Support/Endian.h"
#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <string>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using namespace std::string_literals;
using PathKind = PathInfo::PathKind;

namespace {

const std::string Binary = "\0bin\xff\x80\0ary\0"s;

ContentDigest digestOf(char Seed) {
  ContentDigest D;
  for (size_t I = 0; I < D.size(); ++I)
    D[I] = static_cast<uint8_t>(Seed + I * 7);
  return D;
}

CompileJob makeSourcesJob() {
  CompileJob M;
  M.Id = 0xfedcba9876543210ull;
  M.Mode = DistributionMode::Sources;
  M.WorkingDir = "/home/u/src" + Binary;
  M.Args = {"-cc1", "-emit-obj", "-dependency-file", "x.d", "", Binary};
  return M;
}

LookupReply makeFileReply() {
  LookupReply M;
  M.Id = 0x0102030405060708ull;
  M.Index = 0xfffffffe;
  M.Info.Kind = PathKind::File;
  M.Info.Device = ~0ull;
  M.Info.Inode = 1ull << 40;
  M.Info.Size = 123456789012ull;
  M.Info.ModificationTime = -1700000000123456789ll;
  M.Info.Permissions = 0644;
  M.Info.Digest = digestOf('z');
  return M;
}

CompileResult makeSourcesResult() {
  CompileResult M;
  M.Id = 5;
  M.Diagnostics = "x.c:1:2: warning: w\n";
  M.Outputs = {{OutputKind::Dependencies, 20, "x.o: x.c \\\n  x.h\n"},
               {OutputKind::Primary, 3, Binary}};
  M.Consulted = {0, 7, 0xffffffff};
  M.Unanswerable = true;
  return M;
}

NeedBlobs makeNeedBlobs() {
  NeedBlobs M;
  M.Id = 77;
  M.Digests = {digestOf('a'), digestOf('b'), digestOf('\xff')};
  return M;
}

Blobs makeBlobs() {
  Blobs M;
  M.Id = ~0ull;
  M.Contents = {{digestOf('a'), 3, Binary},
                {digestOf('b'), 0, ""},
                {digestOf('c'), 1ull << 33, "x"}};
  return M;
}


} // namespace

TEST_CASE("The sources mode's messages have names", "[Messages]") {
  CHECK(messageTypeName(MessageType::NeedBlobs) == "NeedBlobs");
  CHECK(messageTypeName(MessageType::Blobs) == "Blobs");
  CHECK(messageTypeName(MessageType::Lookup) == "Lookup");
  CHECK(messageTypeName(MessageType::LookupReply) == "LookupReply");
  CHECK(static_cast<uint32_t>(MessageType::NeedBlobs) == 8);
  CHECK(static_cast<uint32_t>(MessageType::Blobs) == 9);
  CHECK(static_cast<uint32_t>(MessageType::Lookup) == 11);
  CHECK(static_cast<uint32_t>(MessageType::LookupReply) == 12);
  CHECK(static_cast<uint8_t>(OutputKind::Dependencies) == 3);
}

TEST_CASE("CompileJob of the sources mode round trip", "[Messages]") {
  CompileJob In = makeSourcesJob();
  CompileJob Out = unwrap(decodeCompileJob(encode(In)));
  CHECK(Out.Id == In.Id);
  CHECK(Out.Mode == DistributionMode::Sources);
  CHECK(Out.WorkingDir == In.WorkingDir);
  CHECK(Out.Args == In.Args);
  CHECK(Out.Files.empty());
  // The worker asks for every file: the job is its arguments. u64 id, u8
  // kind, the working directory, the argument list, and no files.
  size_t Size = 8 + 1 + 4 + In.WorkingDir.size() + 4 + 4;
  for (const std::string &A : In.Args)
    Size += 4 + A.size();
  CHECK(encode(In).size() == Size);
}

TEST_CASE("A sources job carries no files", "[Messages]") {
  CompileJob M = makeSourcesJob();
  M.Files = {{"x.c", 3, "abc"}};
  CHECK_THAT(errorText(decodeCompileJob(encode(M))),
             Contains("files with a sources job, which asks for them"));
}

TEST_CASE("Lookup round trip", "[Messages]") {
  Lookup In{42, "/usr/include/" + Binary};
  Lookup Out = unwrap(decodeLookup(encode(In)));
  CHECK(Out.Id == 42);
  CHECK(Out.Path == In.Path);
  CHECK(encode(In).size() == 8 + 4 + In.Path.size());
}

TEST_CASE("LookupReply round trip, every kind of path", "[Messages]") {
  for (PathKind Kind :
       {PathKind::File, PathKind::Directory, PathKind::Missing,
        PathKind::NotADirectory, PathKind::Unavailable, PathKind::Refused}) {
    INFO("kind " << static_cast<int>(Kind));
    LookupReply In = makeFileReply();
    In.Info.Kind = Kind;
    LookupReply Out = unwrap(decodeLookupReply(encode(In)));
    CHECK(Out.Id == In.Id);
    CHECK(Out.Index == In.Index);
    CHECK(Out.Info == In.Info);
  }
  // Each field counts: the answers are compared as a whole.
  LookupReply A = makeFileReply(), B = makeFileReply();
  B.Info.ModificationTime += 1;
  CHECK(!(A.Info == B.Info));
}

TEST_CASE("A LookupReply of an unknown kind is refused", "[Messages]") {
  std::string Encoded = encode(makeFileReply());
  // After the id (8) and the index (4).
  for (char Kind : {'\0', '\7', '\xff'}) {
    Encoded[12] = Kind;
    CHECK_THAT(errorText(decodeLookupReply(Encoded)),
               Contains("malformed LookupReply message: unknown path kind"));
  }
}

TEST_CASE("A refusal is a reply, never an answer to keep", "[Messages]") {
  Answers In;
  In.Entries.push_back({3, "/etc/passwd", PathInfo{PathKind::Refused}});
  CHECK_THAT(errorText(decodeAnswers(encode(In))),
             Contains("malformed Answers message: unknown path kind 6"));
}

TEST_CASE("NeedBlobs round trip", "[Messages]") {
  NeedBlobs In = makeNeedBlobs();
  NeedBlobs Out = unwrap(decodeNeedBlobs(encode(In)));
  CHECK(Out.Id == In.Id);
  CHECK(Out.Digests == In.Digests);
  // u64 id, u32 count, 32 bytes each.
  CHECK(encode(In).size() == 8 + 4 + 3 * 32);

  In.Digests.clear();
  Out = unwrap(decodeNeedBlobs(encode(In)));
  CHECK(Out.Digests.empty());
}

TEST_CASE("Blobs round trip", "[Messages]") {
  Blobs In = makeBlobs();
  Blobs Out = unwrap(decodeBlobs(encode(In)));
  CHECK(Out.Id == In.Id);
  REQUIRE(Out.Contents.size() == In.Contents.size());
  for (size_t I = 0; I < In.Contents.size(); ++I) {
    INFO("blob " << I);
    CHECK(Out.Contents[I].Digest == In.Contents[I].Digest);
    CHECK(Out.Contents[I].RawSize == In.Contents[I].RawSize);
    CHECK(Out.Contents[I].Compressed == In.Contents[I].Compressed);
  }

  In.Contents.clear();
  CHECK(unwrap(decodeBlobs(encode(In))).Contents.empty());
}

TEST_CASE("CompileResult carries a dependency file and the answers it used",
          "[Messages]") {
  CompileResult In = makeSourcesResult();
  CompileResult Out = unwrap(decodeCompileResult(encode(In)));
  REQUIRE(Out.Outputs.size() == 2);
  CHECK(Out.Outputs[0].Kind == OutputKind::Dependencies);
  CHECK(Out.Outputs[0].RawSize == 20);
  CHECK(Out.Outputs[0].Compressed == In.Outputs[0].Compressed);
  CHECK(Out.Outputs[1].Kind == OutputKind::Primary);
  CHECK(Out.Outputs[1].Compressed == Binary);
  CHECK(Out.Consulted == In.Consulted);
  CHECK(Out.Unanswerable);

  In.Consulted.clear();
  In.Unanswerable = false;
  Out = unwrap(decodeCompileResult(encode(In)));
  CHECK(Out.Consulted.empty());
  CHECK(!Out.Unanswerable);
}

TEST_CASE("A CompileResult's flags are 0 or 1, its caching known",
          "[Messages]") {
  // The flags precede the empty list of inputs (u32) and the caching (u8).
  for (auto [FromEnd, Value] :
       {std::pair<size_t, char>(6, 2), {7, 2}, {1, 4}}) {
    INFO("byte " << FromEnd << " from the end");
    std::string Encoded = encode(makeSourcesResult());
    Encoded[Encoded.size() - FromEnd] = Value;
    CHECK_THAT(errorText(decodeCompileResult(Encoded)),
               Contains("malformed CompileResult message: unknown output "
                        "kind, flag, path kind or caching"));
  }
}

TEST_CASE("A CompileResult carries what a compile read of local files",
          "[Messages]") {
  CompileResult In = makeSourcesResult();
  In.Consulted.clear();
  PathInfo Header;
  Header.Kind = PathInfo::PathKind::File;
  Header.Device = 3;
  Header.Inode = 77;
  Header.Size = 12;
  Header.Digest = digestContents("int x = 1;\n");
  In.Inputs = {{"/src/a.h", Header}, {"/src/missing.h", PathInfo()}};
  In.Caching = Cacheability::TimeMacro;
  CompileResult Out = unwrap(decodeCompileResult(encode(In)));
  REQUIRE(Out.Inputs.size() == 2);
  CHECK(Out.Inputs[0].Path == "/src/a.h");
  CHECK(Out.Inputs[0].Info == Header);
  CHECK(Out.Inputs[1].Info.Kind == PathInfo::PathKind::Missing);
  CHECK(Out.Caching == Cacheability::TimeMacro);

  // An input's kind is one of PathInfo's.
  std::string Encoded = encode(In);
  size_t KindAt = Encoded.find("/src/missing.h") + strlen("/src/missing.h");
  Encoded[KindAt] = 9;
  CHECK_THAT(errorText(decodeCompileResult(Encoded)),
             Contains("unknown output kind, flag, path kind or caching"));
}

TEST_CASE("Every truncation of a sources mode message is an error",
          "[Messages]") {
  SECTION("NeedBlobs") {
    checkEveryPrefixFails(encode(makeNeedBlobs()), decodeNeedBlobs);
  }
  SECTION("Blobs") { checkEveryPrefixFails(encode(makeBlobs()), decodeBlobs); }
  SECTION("CompileJob") {
    checkEveryPrefixFails(encode(makeSourcesJob()), decodeCompileJob);
  }
  SECTION("Lookup") {
    checkEveryPrefixFails(encode(Lookup{1, "/a/b.h"}), decodeLookup);
  }
  SECTION("LookupReply") {
    checkEveryPrefixFails(encode(makeFileReply()), decodeLookupReply);
  }
  SECTION("CompileResult with a dependency file and answers") {
    checkEveryPrefixFails(encode(makeSourcesResult()), decodeCompileResult);
  }
}

TEST_CASE("Trailing bytes after a sources mode message are an error",
          "[Messages]") {
  std::string Extra("\0\0\0", 3);
  CHECK_THAT(errorText(decodeNeedBlobs(encode(makeNeedBlobs()) + Extra)),
             Contains("malformed NeedBlobs message: 3 trailing bytes"));
  CHECK_THAT(errorText(decodeBlobs(encode(makeBlobs()) + Extra)),
             Contains("malformed Blobs message: 3 trailing bytes"));
  CHECK_THAT(errorText(decodeCompileJob(encode(makeSourcesJob()) + Extra)),
             Contains("3 trailing bytes"));
  CHECK_THAT(errorText(decodeLookup(encode(Lookup{1, "/x"}) + Extra)),
             Contains("malformed Lookup message: 3 trailing bytes"));
  CHECK_THAT(errorText(decodeLookupReply(encode(makeFileReply()) + Extra)),
             Contains("malformed LookupReply message: 3 trailing bytes"));
  CHECK_THAT(
      errorText(decodeCompileResult(encode(makeSourcesResult()) + Extra)),
      Contains("malformed CompileResult message: 3 trailing bytes"));
}

TEST_CASE("Absurd counts fail without allocating", "[Messages]") {
  SECTION("NeedBlobs digests") {
    NeedBlobs M = makeNeedBlobs();
    M.Digests.clear();
    std::string Encoded = encode(M) + std::string(32, 'd');
    // 0xFFFFFFFF digests would be 128 GB; 2 need 64 bytes and 32 follow.
    for (uint32_t Count : {0xFFFFFFFFu, 1u << 20, 2u}) {
      INFO("count " << Count);
      overwriteU32(Encoded, 8, Count);
      CHECK_THAT(errorText(decodeNeedBlobs(Encoded)),
                 Contains("malformed NeedBlobs message") &&
                     (Contains("'digests'") || Contains("'digest'")));
    }
  }

  SECTION("Blobs") {
    Blobs M = makeBlobs();
    M.Contents.resize(1);
    std::string Encoded = encode(M);
    for (uint32_t Count : {0xFFFFFFFFu, 1u << 20, 2u}) {
      INFO("count " << Count);
      overwriteU32(Encoded, 8, Count);
      CHECK_THAT(errorText(decodeBlobs(Encoded)),
                 Contains("malformed Blobs message"));
    }
  }

  SECTION("a blob's data length") {
    Blobs M = makeBlobs();
    M.Contents.resize(1);
    std::string Encoded = encode(M);
    // After id (8), count (4), digest (32) and size (8).
    overwriteU32(Encoded, 52, 0xFFFFFFFF);
    CHECK_THAT(errorText(decodeBlobs(Encoded)), Contains("'data'"));
  }

  SECTION("the answers a result used") {
    CompileResult M = makeSourcesResult();
    M.Outputs.clear();
    M.Diagnostics.clear();
    std::string Encoded = encode(M);
    // After id (8), exit code (4), diagnostics (4) and outputs (4).
    for (uint32_t Count : {0xFFFFFFFFu, 1u << 20, 4u}) {
      INFO("count " << Count);
      overwriteU32(Encoded, 20, Count);
      CHECK_THAT(errorText(decodeCompileResult(Encoded)),
                 Contains("malformed CompileResult message"));
    }
  }
}
