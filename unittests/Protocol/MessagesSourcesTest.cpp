//===- unittests/Protocol/MessagesSourcesTest.cpp - Sources mode messages -===//
//
// The messages of the sources mode (protocol version 2): a CompileJob with a
// manifest, NeedBlobs, Blobs and the dependency file output of a
// CompileResult. A slave acts on a manifest (it lays out a file system from
// it, links included), so every field must survive a round trip and every
// malformed manifest must be refused with an error that says what is wrong,
// never a crash, a huge allocation or a link cycle. (MessagesTest.cpp covers
// the messages of version 1; this file keeps the sources mode's apart.)
//
//===----------------------------------------------------------------------===//

#include "Protocol/Compression.h"
#include "Protocol/Messages.h"
#include "ExpectedMatchers.h"
#include "llvm/Support/Endian.h"
#include <catch2/catch.hpp>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using namespace std::string_literals;
using EntryKind = ManifestEntry::EntryKind;

namespace {

const std::string Binary = "\0bin\xff\x80\0ary\0"s;

ContentDigest digestOf(char Seed) {
  ContentDigest D;
  for (size_t I = 0; I < D.size(); ++I)
    D[I] = static_cast<uint8_t>(Seed + I * 7);
  return D;
}

ManifestEntry directory(std::string Path) {
  ManifestEntry E;
  E.Path = std::move(Path);
  E.Kind = EntryKind::Directory;
  E.ModificationTime = 1700000000;
  return E;
}

ManifestEntry file(std::string Path, char Seed, uint64_t Size, int64_t Mtime,
                   uint32_t SameAs = 0) {
  ManifestEntry E;
  E.Path = std::move(Path);
  E.Kind = EntryKind::File;
  E.Digest = digestOf(Seed);
  E.Size = Size;
  E.ModificationTime = Mtime;
  E.SameAs = SameAs;
  return E;
}

/// A job as the sources mode sends it: directories, files, and two paths
/// that are links to an earlier file.
CompileJob makeSourcesJob() {
  CompileJob M;
  M.Id = 0xfedcba9876543210ull;
  M.Kind = SourceKind::Sources;
  M.WorkingDir = "/home/u/src" + Binary;
  M.Args = {"-cc1", "-emit-obj", "-dependency-file", "x.d", "", Binary};
  M.Manifest = {
      directory("/home/u/src"),
      file("/home/u/src/x.c", 'a', 120, 1700000001),
      directory("/home/u/src/include"),
      file("/home/u/src/include/x.h", 'b', 0, -1),
      // A symbolic link to x.h, and a hard link to it by another spelling.
      file("/home/u/src/include/alias.h", 'b', 0, -1, /*SameAs=*/4),
      file("/home/u/src/include/../include/x.h", 'b', 0, -1, /*SameAs=*/4),
      file("/usr/include/stdio.h" + Binary, 'c', 1ull << 40,
           std::numeric_limits<int64_t>::min()),
  };
  return M;
}

/// Every strict prefix of a valid encoding is truncated somewhere; each
/// prefix gets a heap block of exactly its size, so that a read past its
/// end is caught by AddressSanitizer and valgrind.
template <typename M>
void checkEveryPrefixFails(const std::string &Encoded,
                           llvm::Expected<M> (*Decode)(llvm::StringRef)) {
  for (size_t Length = 0; Length < Encoded.size(); ++Length) {
    INFO("prefix of " << Length << " of " << Encoded.size() << " bytes");
    std::unique_ptr<char[]> Prefix(new char[Length]);
    std::memcpy(Prefix.get(), Encoded.data(), Length);
    CHECK_THAT(errorText(Decode(llvm::StringRef(Prefix.get(), Length))),
               Contains("truncated or malformed field"));
  }
}

void overwriteU32(std::string &Bytes, size_t Offset, uint32_t Value) {
  REQUIRE(Offset + 4 <= Bytes.size());
  llvm::support::endian::write32le(Bytes.data() + Offset, Value);
}

/// A CompileJob's encoding ends with its manifest: u64 raw size, u32 length,
/// then the zstd-compressed bytes. These take it apart and put it together
/// with other manifest bytes, to build manifests encode() would not write.
struct SplitJob {
  std::string Head;
  std::string Manifest;
};

SplitJob splitJob(const std::string &Encoded) {
  for (size_t Length = 0; Length + 12 <= Encoded.size(); ++Length) {
    size_t LengthAt = Encoded.size() - Length - 4;
    if (llvm::support::endian::read32le(Encoded.data() + LengthAt) != Length)
      continue;
    uint64_t Raw = llvm::support::endian::read64le(Encoded.data() + LengthAt - 8);
    auto Manifest = decompress(Encoded.substr(LengthAt + 4), Raw);
    if (!Manifest) {
      llvm::consumeError(Manifest.takeError());
      continue;
    }
    return {Encoded.substr(0, LengthAt - 8), *Manifest};
  }
  FAIL("no manifest at the end of the encoded job");
  return {};
}

std::string joinJob(const SplitJob &J) {
  std::string Out = J.Head;
  std::string Compressed = compress(J.Manifest);
  char Buf[12];
  llvm::support::endian::write64le(Buf, J.Manifest.size());
  llvm::support::endian::write32le(Buf + 8, Compressed.size());
  return Out + std::string(Buf, 12) + Compressed;
}

/// The encoding of a one-entry manifest, for hand-made entries.
std::string manifestEntryBytes(llvm::StringRef Path, uint8_t Kind,
                               uint32_t SameAs) {
  std::string Out;
  char U32[4];
  llvm::support::endian::write32le(U32, Path.size());
  Out += std::string(U32, 4) + Path.str();
  Out += static_cast<char>(Kind);
  Out += std::string(32, 'd');            // digest
  Out += std::string(8, '\0');            // size
  Out += std::string(8, '\0');            // mtime
  llvm::support::endian::write32le(U32, SameAs);
  Out += std::string(U32, 4);
  return Out;
}

std::string manifestOf(std::initializer_list<std::string> Entries) {
  char U32[4];
  llvm::support::endian::write32le(U32, Entries.size());
  std::string Out(U32, 4);
  for (const std::string &E : Entries)
    Out += E;
  return Out;
}

/// A Sources job whose manifest is \p Manifest, encoded.
std::string jobWithManifest(const std::string &Manifest) {
  CompileJob M = makeSourcesJob();
  M.Manifest.clear();
  SplitJob J = splitJob(encode(M));
  J.Manifest = Manifest;
  return joinJob(J);
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
  CHECK(static_cast<uint32_t>(MessageType::NeedBlobs) == 8);
  CHECK(static_cast<uint32_t>(MessageType::Blobs) == 9);
  CHECK(static_cast<uint8_t>(OutputKind::Dependencies) == 3);
}

TEST_CASE("CompileJob of the sources mode round trip", "[Messages]") {
  CompileJob In = makeSourcesJob();
  CompileJob Out = unwrap(decodeCompileJob(encode(In)));
  CHECK(Out.Id == In.Id);
  CHECK(Out.Kind == SourceKind::Sources);
  CHECK(Out.WorkingDir == In.WorkingDir);
  CHECK(Out.Args == In.Args);
  CHECK(Out.Files.empty());
  REQUIRE(Out.Manifest.size() == In.Manifest.size());
  for (size_t I = 0; I < In.Manifest.size(); ++I) {
    INFO("entry " << I << ": " << In.Manifest[I].Path);
    CHECK(Out.Manifest[I].Path == In.Manifest[I].Path);
    CHECK(Out.Manifest[I].Kind == In.Manifest[I].Kind);
    CHECK(Out.Manifest[I].Digest == In.Manifest[I].Digest);
    CHECK(Out.Manifest[I].Size == In.Manifest[I].Size);
    CHECK(Out.Manifest[I].ModificationTime == In.Manifest[I].ModificationTime);
    CHECK(Out.Manifest[I].SameAs == In.Manifest[I].SameAs);
  }

  // An empty manifest is a manifest (the slave then finds no main file and
  // says so in its diagnostics).
  In.Manifest.clear();
  Out = unwrap(decodeCompileJob(encode(In)));
  CHECK(Out.Kind == SourceKind::Sources);
  CHECK(Out.Manifest.empty());
}

TEST_CASE("A manifest travels compressed", "[Messages]") {
  // Paths repeat their directories: a thousand headers of one directory
  // take a fraction of their raw size.
  CompileJob M = makeSourcesJob();
  std::string Raw;
  for (int I = 0; I < 1000; ++I) {
    M.Manifest.push_back(file("/usr/include/c++/12/bits/header" +
                                  std::to_string(I) + ".h",
                              'e', 1000, 1700000000));
    Raw += M.Manifest.back().Path;
  }
  CHECK(encode(M).size() < Raw.size());
  CHECK(unwrap(decodeCompileJob(encode(M))).Manifest.size() ==
        M.Manifest.size());
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

TEST_CASE("CompileResult carries a dependency file", "[Messages]") {
  CompileResult In;
  In.Id = 5;
  In.Diagnostics = "x.c:1:2: warning: w\n";
  In.Outputs = {{OutputKind::Dependencies, 20, "x.o: x.c \\\n  x.h\n"},
                {OutputKind::Primary, 3, Binary}};
  CompileResult Out = unwrap(decodeCompileResult(encode(In)));
  REQUIRE(Out.Outputs.size() == 2);
  CHECK(Out.Outputs[0].Kind == OutputKind::Dependencies);
  CHECK(Out.Outputs[0].RawSize == 20);
  CHECK(Out.Outputs[0].Compressed == In.Outputs[0].Compressed);
  CHECK(Out.Outputs[1].Kind == OutputKind::Primary);
  CHECK(Out.Outputs[1].Compressed == Binary);
}

TEST_CASE("Malformed manifests are refused", "[Messages]") {
  const std::string Dir = manifestEntryBytes("/d", 2, 0);
  const std::string File = manifestEntryBytes("/d/f.h", 1, 0);

  SECTION("the hand-made entries are what encode() writes") {
    // So that the cases below differ from a valid manifest only where they
    // say.
    CompileJob M = unwrap(decodeCompileJob(jobWithManifest(
        manifestOf({Dir, File, manifestEntryBytes("/d/l.h", 1, 2)}))));
    REQUIRE(M.Manifest.size() == 3);
    CHECK(M.Manifest[0].Kind == EntryKind::Directory);
    CHECK(M.Manifest[1].Path == "/d/f.h");
    CHECK(M.Manifest[2].SameAs == 2);
  }

  SECTION("an unknown entry kind") {
    for (uint8_t Kind : {0, 3, 255}) {
      INFO("kind " << int(Kind));
      CHECK_THAT(errorText(decodeCompileJob(jobWithManifest(manifestOf(
                     {Dir, manifestEntryBytes("/d/x", Kind, 0)})))),
                 Contains("unknown entry kind"));
    }
  }

  SECTION("a link to itself or to a later entry") {
    CHECK_THAT(errorText(decodeCompileJob(jobWithManifest(
                   manifestOf({manifestEntryBytes("/d/a.h", 1, 1)})))),
               Contains("a link to no earlier file"));
    CHECK_THAT(errorText(decodeCompileJob(jobWithManifest(
                   manifestOf({manifestEntryBytes("/d/a.h", 1, 2), File})))),
               Contains("a link to no earlier file"));
    CHECK_THAT(errorText(decodeCompileJob(jobWithManifest(manifestOf(
                   {File, manifestEntryBytes("/d/a.h", 1, 0xFFFFFFFF)})))),
               Contains("a link to no earlier file"));
  }

  SECTION("a link to a directory") {
    CHECK_THAT(errorText(decodeCompileJob(jobWithManifest(
                   manifestOf({Dir, manifestEntryBytes("/d/a.h", 1, 1)})))),
               Contains("a link to no earlier file"));
  }

  SECTION("a directory that is a link") {
    CHECK_THAT(errorText(decodeCompileJob(jobWithManifest(
                   manifestOf({Dir, manifestEntryBytes("/e", 2, 1)})))),
               Contains("a link to no earlier file"));
  }

  SECTION("an absurd entry count") {
    // More entries than the bytes that follow could hold (each takes one
    // byte at least), and more than any list may have: refused before
    // anything is allocated.
    for (uint32_t Count : {0xFFFFFFFFu, 1u << 20,
                           static_cast<uint32_t>(File.size() + 1)}) {
      INFO("count " << Count);
      std::string Manifest = manifestOf({File});
      overwriteU32(Manifest, 0, Count);
      CHECK_THAT(errorText(decodeCompileJob(jobWithManifest(Manifest))),
                 Contains("CompileJob manifest") && Contains("'entries'"));
    }
  }

  SECTION("trailing bytes") {
    CHECK_THAT(errorText(decodeCompileJob(
                   jobWithManifest(manifestOf({Dir, File}) + "xyz"))),
               Contains("CompileJob manifest") &&
                   Contains("3 trailing bytes"));
  }

  SECTION("every truncation of the manifest") {
    SplitJob J = splitJob(encode(makeSourcesJob()));
    const std::string Whole = J.Manifest;
    for (size_t Length = 0; Length < Whole.size(); ++Length) {
      INFO("manifest prefix of " << Length << " of " << Whole.size());
      J.Manifest = Whole.substr(0, Length);
      CHECK_THAT(errorText(decodeCompileJob(joinJob(J))),
                 Contains("malformed CompileJob manifest") &&
                     Contains("truncated or malformed field"));
    }
  }

  SECTION("compressed bytes that are not the manifest") {
    SplitJob J = splitJob(encode(makeSourcesJob()));
    std::string Encoded = joinJob(J);
    // The raw size the job declares is not the frame's.
    std::string WrongSize = Encoded;
    size_t CompressedLength = compress(J.Manifest).size();
    llvm::support::endian::write64le(
        WrongSize.data() + WrongSize.size() - CompressedLength - 12,
        J.Manifest.size() + 1);
    CHECK_THAT(errorText(decodeCompileJob(WrongSize)),
               Contains("size mismatch"));
    // Garbage instead of a zstd frame.
    std::string Garbage = Encoded;
    for (size_t I = Garbage.size() - CompressedLength; I < Garbage.size(); ++I)
      Garbage[I] = 'g';
    CHECK(errorText(decodeCompileJob(Garbage)) != "<no error>");
  }
}

TEST_CASE("A job's kind and its contents must agree", "[Messages]") {
  SECTION("a sources job with files") {
    CompileJob M = makeSourcesJob();
    M.Files = {{"x.c", 3, "abc"}};
    CHECK_THAT(errorText(decodeCompileJob(encode(M))),
               Contains("files besides the manifest"));
  }

  SECTION("a preprocessed job with a manifest") {
    // encode() writes a manifest for a sources job only: take one that has
    // a main file too, and call it preprocessed.
    CompileJob M = makeSourcesJob();
    M.Files = {{"x.c", 3, "abc"}};
    std::string Encoded = encode(M);
    // After the u64 id.
    Encoded[8] = static_cast<char>(SourceKind::RewrittenIncludes);
    CHECK_THAT(errorText(decodeCompileJob(Encoded)),
               Contains("a manifest with preprocessed source"));
  }

  SECTION("a preprocessed job round trips without a manifest") {
    CompileJob M = makeSourcesJob();
    M.Kind = SourceKind::RewrittenIncludes;
    M.Files = {{"x.c", 3, "abc"}};
    // The manifest of a preprocessed job is not sent at all.
    CompileJob Out = unwrap(decodeCompileJob(encode(M)));
    CHECK(Out.Kind == SourceKind::RewrittenIncludes);
    CHECK(Out.Manifest.empty());
    CHECK(Out.Files.size() == 1);
  }
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
  SECTION("CompileResult with a dependency file") {
    CompileResult M;
    M.Outputs = {{OutputKind::Dependencies, 4, "x: y"}};
    checkEveryPrefixFails(encode(M), decodeCompileResult);
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
}

TEST_CASE("Absurd counts in NeedBlobs and Blobs fail without allocating",
          "[Messages]") {
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

  SECTION("a manifest's declared size") {
    // Decompressing into 2^60 bytes would not end well.
    SplitJob J = splitJob(encode(makeSourcesJob()));
    std::string Encoded = joinJob(J);
    size_t CompressedLength = compress(J.Manifest).size();
    llvm::support::endian::write64le(
        Encoded.data() + Encoded.size() - CompressedLength - 12, 1ull << 60);
    CHECK(errorText(decodeCompileJob(Encoded)) != "<no error>");
  }
}
