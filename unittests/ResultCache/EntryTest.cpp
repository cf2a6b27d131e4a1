//===- unittests/ResultCache/EntryTest.cpp - Results as cached ------------===//

#include "ResultCache/Entry.h"
#include "ExpectedMatchers.h"
#include "Protocol/Compression.h"
#include "ResultCache/Body.h"
#include "ResultCache/Seal.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;

namespace {
const char Diagnostics[] =
    "a.c:1:5: warning: unused [-Wunused]\n1 warning generated.\n";
const std::vector<OutputBytes> Written = {
    {OutputKind::Primary, "object"}, {OutputKind::Dependencies, "a.o: a.c"}};

void checkBack(const Entry &Back) {
  CHECK(Back.ExitCode == 0);
  CHECK(Back.Diagnostics == Diagnostics);
  REQUIRE(Back.Outputs.size() == 2);
  CHECK(Back.Outputs[0].Kind == OutputKind::Primary);
  CHECK(Back.Outputs[0].Bytes == "object");
  CHECK(Back.Outputs[1].Kind == OutputKind::Dependencies);
  CHECK(Back.Outputs[1].Bytes == "a.o: a.c");
}
} // namespace

TEST_CASE("An entry keeps what the client gets, as written or compressed",
          "[ResultCache]") {
  checkBack(unwrap(decodeEntry(encodeEntry(0, Diagnostics, Written))));
  std::vector<OutputBlob> Compressed;
  for (const OutputBytes &O : Written)
    Compressed.push_back({O.Kind, O.Bytes.size(), compress(O.Bytes)});
  checkBack(unwrap(
      decodeEntry(encodeEntry(0, Diagnostics, llvm::ArrayRef(Compressed)))));
}

TEST_CASE("A damaged or forged entry is refused", "[ResultCache]") {
  std::string Value = encodeEntry(0, Diagnostics, Written);
  // Every byte counts: a flipped bit anywhere, or a truncation, is refused.
  for (size_t At :
       {size_t(0), size_t(5), size_t(8), size_t(20), Value.size() - 1}) {
    std::string Damaged = Value;
    Damaged[At] ^= 4;
    CHECK_FALSE(errorText(decodeEntry(Damaged)).empty());
  }
  CHECK_THAT(errorText(decodeEntry(Value.substr(0, Value.size() - 1))),
             Contains("damaged"));
  CHECK_THAT(errorText(decodeEntry("")), Contains("not a clang-dist"));

  // Well sealed, badly made: each is named.
  auto Body = [](uint8_t Kind, uint8_t How, uint64_t Size, llvm::StringRef Kept,
                 uint32_t Outputs = 1) {
    BodyWriter W;
    W.u32(0);
    W.u32(0);
    W.u32(Outputs);
    W.u8(Kind);
    W.u8(How);
    W.u64(Size);
    W.u64(Kept.size());
    W.bytes(Kept);
    return seal(SealedKind::Result, W.Out);
  };
  CHECK(unwrap(decodeEntry(Body(1, 0, 3, "obj"))).Outputs[0].Bytes == "obj");
  CHECK_THAT(errorText(decodeEntry(Body(4, 0, 3, "obj"))),
             Contains("an unknown kind of output"));
  CHECK_THAT(errorText(decodeEntry(Body(1, 2, 3, "obj"))),
             Contains("stored in an unknown way"));
  // A size that is not the bytes', or a frame that declares more than it
  // holds: nothing is allocated for what is merely declared.
  CHECK_THAT(errorText(decodeEntry(Body(1, 0, 1ull << 40, "obj"))),
             Contains("stored in an unknown way"));
  CHECK_THAT(errorText(decodeEntry(Body(1, 1, 1ull << 40, compress("obj")))),
             Contains("declares"));
  CHECK_THAT(errorText(decodeEntry(Body(1, 0, 3, "obj", 4))),
             Contains("truncated"));
  CHECK_THAT(errorText(decodeEntry(seal(SealedKind::Result, "garbage"))),
             Contains("malformed"));
  CHECK_THAT(
      errorText(decodeEntry(seal(SealedKind::Result, encode(CompileResult())))),
      Contains("malformed"));
}
