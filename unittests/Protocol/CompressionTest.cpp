//===- unittests/Protocol/CompressionTest.cpp - zstd blob tests -----------===//

#include "Protocol/Compression.h"
#include "ExpectedMatchers.h"
#include <catch2/catch.hpp>
#include <random>
#include <string>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;

namespace {

/// Words from a small vocabulary with random bytes between them: compresses
/// somewhat, like source code, yet exercises more than one block type.
std::string randomish(size_t Size) {
  static const char *const Words[] = {"int ", "return ", "template <", "{\n",
                                      "}\n",  "std::",   "const ",     ";\n"};
  std::mt19937 Random(42);
  std::string Out;
  Out.reserve(Size + 16);
  while (Out.size() < Size) {
    if (Random() % 4 == 0)
      Out += static_cast<char>(Random());
    else
      Out += Words[Random() % std::size(Words)];
  }
  Out.resize(Size);
  return Out;
}

std::string roundTrip(const std::string &Data) {
  return unwrap(decompress(compress(Data), Data.size()));
}

} // namespace

TEST_CASE("Compression round trip", "[Compression]") {
  CHECK(roundTrip("").empty());
  CHECK(roundTrip("hello") == "hello");
  std::string Binary("\0\xff\0\x80", 4);
  CHECK(roundTrip(Binary) == Binary);

  std::string Big = randomish(1 << 20);
  CHECK(roundTrip(Big) == Big);
  CHECK(compress(Big).size() < Big.size());

  std::string Levels = randomish(10000);
  for (int Level : {-5, 1, 3, 19}) {
    INFO("level " << Level);
    CHECK(unwrap(decompress(compress(Levels, Level), Levels.size())) == Levels);
  }
}

TEST_CASE("Decompression with the wrong size is rejected", "[Compression]") {
  std::string Data = randomish(5000);
  std::string Compressed = compress(Data);
  for (uint64_t Size : {uint64_t(0), uint64_t(4999), uint64_t(5001)}) {
    INFO("size " << Size);
    CHECK_THAT(errorText(decompress(Compressed, Size)),
               Contains("size mismatch"));
  }
  // Refused before anything is allocated, whatever the frame says.
  CHECK_THAT(errorText(decompress(Compressed, ~0ull)),
             Contains("declares 18446744073709551615 bytes"));
}

TEST_CASE("Corrupt compressed data is rejected", "[Compression]") {
  std::string Data = randomish(5000);
  std::string Compressed = compress(Data);

  SECTION("not zstd at all") {
    CHECK_THAT(errorText(decompress("not a zstd frame", Data.size())),
               Contains("size mismatch"));
    CHECK_THAT(errorText(decompress("", 0)), Contains("size mismatch"));
  }

  SECTION("truncated") {
    for (size_t Cut : {size_t(1), size_t(3), Compressed.size() / 2}) {
      INFO("cut " << Cut << " bytes");
      std::string Short = Compressed.substr(0, Compressed.size() - Cut);
      CHECK_THAT(errorText(decompress(Short, Data.size())),
                 Contains("corrupt compressed blob"));
    }
  }

  SECTION("damaged bytes") {
    // Without a checksum zstd cannot see every damaged byte, but none may
    // crash it or change the size of the output.
    unsigned Rejected = 0;
    for (size_t I = 0; I < Compressed.size(); ++I) {
      std::string Bad = Compressed;
      Bad[I] ^= 0x5a;
      llvm::Expected<std::string> Out = decompress(Bad, Data.size());
      if (!Out) {
        llvm::consumeError(Out.takeError());
        ++Rejected;
      } else {
        CHECK(Out->size() == Data.size());
      }
    }
    UNSCOPED_INFO(Rejected << " of " << Compressed.size() << " rejected");
    CHECK(Rejected > Compressed.size() / 4);
  }

  SECTION("bytes after the frame") {
    CHECK_THAT(errorText(decompress(Compressed + compress(""), Data.size())),
               Contains("bytes after the frame"));
    CHECK_THAT(errorText(decompress(Compressed + "x", Data.size())),
               Contains("corrupt compressed blob"));
  }
}
