//===- unittests/LocalServer/OutputFilesTest.cpp - Outputs, stored --------===//

#include "LocalServer/OutputFiles.h"
#include "ExpectedMatchers.h"
#include "Protocol/Compression.h"
#include "Protocol/Errors.h"
#include "TempDir.h"
#include "llvm/Support/FileSystem.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;

namespace {
OutputPaths pathsIn(const TempDir &Dir) {
  OutputPaths Paths;
  Paths.Object = Dir.file("a.o");
  Paths.SplitDwarf = Dir.file("a.dwo");
  Paths.Dependencies = Dir.file("a.d");
  return Paths;
}
std::vector<OutputBytes> allThree() {
  return {{OutputKind::Primary, "object"},
          {OutputKind::Dependencies, "a.o: a.c\n"},
          {OutputKind::SplitDwarf, "dwarf"}};
}
const std::optional<std::string> FromWorker;
bool never() { return false; }
} // namespace

TEST_CASE("storeOutputs writes each output where the job names it",
          "[OutputFiles]") {
  TempDir Dir;
  REQUIRE(
      !storeOutputs(pathsIn(Dir), FromWorker, false, allThree(), 027, never));
  CHECK(readFile(Dir.file("a.o")) == "object");
  CHECK(readFile(Dir.file("a.d")) == "a.o: a.c\n");
  CHECK(readFile(Dir.file("a.dwo")) == "dwarf");
  // The client's umask, not the server's.
  CHECK(fileMode(Dir.file("a.o")) == 0640);
  CHECK(countEntries(Dir.Path) == 3);
}

TEST_CASE("storeOutputs keeps a failed compile's dependency file only",
          "[OutputFiles]") {
  TempDir Dir;
  std::vector<OutputBytes> Failed = {{OutputKind::Dependencies, "a.o: a.c\n"}};
  REQUIRE(!storeOutputs(pathsIn(Dir), FromWorker, true, Failed, 022, never));
  CHECK(readFile(Dir.file("a.d")) == "a.o: a.c\n");
  CHECK(countEntries(Dir.Path) == 1);

  // Nor an object it should not have.
  Failed.push_back({OutputKind::Primary, "object"});
  llvm::Error E =
      storeOutputs(pathsIn(Dir), FromWorker, true, Failed, 022, never);
  CHECK(E.isA<ProtocolError>());
  CHECK_THAT(llvm::toString(std::move(E)),
             Contains("worker sent 2 outputs, not the 0 expected"));
}

TEST_CASE("storeOutputs writes nothing when outputs are missing or extra",
          "[OutputFiles]") {
  TempDir Dir;
  std::vector<OutputBytes> Short = allThree();
  Short.pop_back();
  llvm::Error E =
      storeOutputs(pathsIn(Dir), FromWorker, false, Short, 022, never);
  CHECK(E.isA<ProtocolError>());
  llvm::consumeError(std::move(E));
  OutputPaths NoDwo = pathsIn(Dir);
  NoDwo.SplitDwarf.clear();
  E = storeOutputs(NoDwo, FromWorker, false, allThree(), 022, never);
  CHECK(E.isA<ProtocolError>());
  llvm::consumeError(std::move(E));
  // Two of a kind.
  std::vector<OutputBytes> Twice = allThree();
  Twice.push_back(Twice.front());
  E = storeOutputs(pathsIn(Dir), FromWorker, false, Twice, 022, never);
  CHECK(E.isA<ProtocolError>());
  llvm::consumeError(std::move(E));
  CHECK(countEntries(Dir.Path) == 0);
}

TEST_CASE("storeOutputs writes the preprocessed mode's own dependency file",
          "[OutputFiles]") {
  TempDir Dir;
  OutputPaths Paths = pathsIn(Dir);
  Paths.SplitDwarf.clear();
  REQUIRE(!storeOutputs(Paths, std::string("a.o: a.c a.h\n"), false,
                        {{OutputKind::Primary, "object"}}, 022, never));
  CHECK(readFile(Dir.file("a.d")) == "a.o: a.c a.h\n");
  CHECK(readFile(Dir.file("a.o")) == "object");
}

TEST_CASE("storeOutputs writes a special file in place and never removes it",
          "[OutputFiles]") {
  TempDir Dir;
  OutputPaths Paths = pathsIn(Dir);
  Paths.Dependencies = "/dev/null";
  // The object's directory is missing: what was written goes again.
  Paths.Object = Dir.file("missing/a.o");
  llvm::Error E =
      storeOutputs(Paths, FromWorker, false, allThree(), 022, never);
  CHECK_THAT(llvm::toString(std::move(E)),
             Contains("cannot create a file beside '" +
                      Dir.file("missing/a.o") + "'"));
  CHECK(countEntries(Dir.Path) == 0);
  llvm::sys::fs::file_status Null;
  REQUIRE(!llvm::sys::fs::status("/dev/null", Null));
  CHECK(Null.type() == llvm::sys::fs::file_type::character_file);
}

TEST_CASE("storeOutputs stops at a cancel and leaves nothing",
          "[OutputFiles]") {
  TempDir Dir;
  for (unsigned After = 0; After != 3; ++After) {
    unsigned Asked = 0;
    llvm::Error E = storeOutputs(pathsIn(Dir), FromWorker, false, allThree(),
                                 022, [&] { return Asked++ == After; });
    CHECK(E.isA<StoreCancelled>());
    llvm::consumeError(std::move(E));
    CHECK(countEntries(Dir.Path) == 0);
  }
}

TEST_CASE("decompressOutputs refuses a blob that is not what it says",
          "[OutputFiles]") {
  CompileResult R;
  R.Outputs = {{OutputKind::Primary, 6, compress("object")}};
  std::vector<OutputBytes> Outputs = unwrap(decompressOutputs(R));
  REQUIRE(Outputs.size() == 1);
  CHECK(Outputs[0].Bytes == "object");
  R.Outputs[0].RawSize = 7;
  llvm::Expected<std::vector<OutputBytes>> Bad = decompressOutputs(R);
  CHECK_FALSE(errorText(std::move(Bad)).empty());
}
