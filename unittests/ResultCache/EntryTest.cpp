//===- unittests/ResultCache/EntryTest.cpp - Results as cached ------------===//

#include "ResultCache/Entry.h"
#include "ExpectedMatchers.h"
#include "Protocol/Compression.h"
#include "ResultCache/Seal.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;

TEST_CASE("An entry keeps what the client gets, checked", "[ResultCache]") {
  CompileResult R;
  R.Id = 42;
  R.ExitCode = 0;
  R.Diagnostics = "a.c:1:5: warning: unused [-Wunused]\n1 warning generated.\n";
  R.Outputs = {{OutputKind::Primary, 6, compress("object")},
               {OutputKind::Dependencies, 8, compress("a.o: a.c")}};
  R.Consulted = {1, 2, 3};
  R.Inputs = {{"/a.c", PathInfo()}};
  std::string Value = encodeEntry(R);
  CompileResult Back = unwrap(decodeEntry(Value));
  CHECK(Back.Id == 0);
  CHECK(Back.Diagnostics == R.Diagnostics);
  REQUIRE(Back.Outputs.size() == 2);
  CHECK(Back.Outputs[1].Compressed == R.Outputs[1].Compressed);
  CHECK(Back.Consulted.empty());
  CHECK(Back.Inputs.empty());

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

  // A sealed CompileResult with a worker's fields is no entry of ours.
  R.Refused = true;
  CHECK_THAT(errorText(decodeEntry(seal(SealedKind::Result, encode(R)))),
             Contains("a worker's fields"));
  // Garbage in a good seal: the protocol's decoder refuses it.
  CHECK_THAT(errorText(decodeEntry(seal(SealedKind::Result, "garbage"))),
             Contains("CompileResult"));
}
