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
OutputBlob blob(OutputKind Kind, llvm::StringRef Bytes) {
  return OutputBlob{Kind, Bytes.size(), compress(Bytes)};
}
PreparedJob jobIn(const TempDir &Dir) {
  PreparedJob Job;
  Job.ObjectPath = Dir.file("a.o");
  Job.SplitDwarfPath = Dir.file("a.dwo");
  Job.DependencyPath = Dir.file("a.d");
  return Job;
}
CompileResult allThree() {
  CompileResult R;
  R.Outputs = {blob(OutputKind::Primary, "object"),
               blob(OutputKind::Dependencies, "a.o: a.c\n"),
               blob(OutputKind::SplitDwarf, "dwarf")};
  return R;
}
bool never() { return false; }
} // namespace

TEST_CASE("storeOutputs writes each output where the job names it",
          "[OutputFiles]") {
  TempDir Dir;
  REQUIRE(!storeOutputs(jobIn(Dir), allThree(), 027, never));
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
  CompileResult Failed;
  Failed.ExitCode = 1;
  Failed.Outputs = {blob(OutputKind::Dependencies, "a.o: a.c\n")};
  REQUIRE(!storeOutputs(jobIn(Dir), Failed, 022, never));
  CHECK(readFile(Dir.file("a.d")) == "a.o: a.c\n");
  CHECK(countEntries(Dir.Path) == 1);

  // Nor an object it should not have.
  Failed.Outputs.push_back(blob(OutputKind::Primary, "object"));
  llvm::Error E = storeOutputs(jobIn(Dir), Failed, 022, never);
  CHECK(E.isA<ProtocolError>());
  CHECK_THAT(llvm::toString(std::move(E)),
             Contains("worker sent 2 outputs, not the 0 expected"));
}

TEST_CASE("storeOutputs writes nothing when outputs are missing or extra",
          "[OutputFiles]") {
  TempDir Dir;
  CompileResult Short = allThree();
  Short.Outputs.pop_back();
  llvm::Error E = storeOutputs(jobIn(Dir), Short, 022, never);
  CHECK(E.isA<ProtocolError>());
  llvm::consumeError(std::move(E));
  PreparedJob NoDwo = jobIn(Dir);
  NoDwo.SplitDwarfPath.clear();
  E = storeOutputs(NoDwo, allThree(), 022, never);
  CHECK(E.isA<ProtocolError>());
  llvm::consumeError(std::move(E));
  CHECK(countEntries(Dir.Path) == 0);
}

TEST_CASE("storeOutputs writes the preprocessed mode's own dependency file",
          "[OutputFiles]") {
  TempDir Dir;
  PreparedJob Job = jobIn(Dir);
  Job.SplitDwarfPath.clear();
  Job.Dependencies = "a.o: a.c a.h\n";
  CompileResult R;
  R.Outputs = {blob(OutputKind::Primary, "object")};
  REQUIRE(!storeOutputs(Job, R, 022, never));
  CHECK(readFile(Dir.file("a.d")) == "a.o: a.c a.h\n");
  CHECK(readFile(Dir.file("a.o")) == "object");
}

TEST_CASE("storeOutputs writes a special file in place and never removes it",
          "[OutputFiles]") {
  TempDir Dir;
  PreparedJob Job = jobIn(Dir);
  Job.DependencyPath = "/dev/null";
  // The object's directory is missing: what was written goes again.
  Job.ObjectPath = Dir.file("missing/a.o");
  llvm::Error E = storeOutputs(Job, allThree(), 022, never);
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
    llvm::Error E = storeOutputs(jobIn(Dir), allThree(), 022,
                                 [&] { return Asked++ == After; });
    CHECK(E.isA<StoreCancelled>());
    llvm::consumeError(std::move(E));
    CHECK(countEntries(Dir.Path) == 0);
  }
}
