//===- unittests/Worker/CompilerTest.cpp - One compile job, in process ----===//
//
// Real compiles of real files in a temporary directory: what a LocalFiles
// result lists as its inputs, with an object equal to clang-16's, and when a
// result of any mode may not be cached.
//
//===----------------------------------------------------------------------===//

#include "Worker/Compiler.h"
#include "Protocol/Compression.h"
#include "TempDir.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Program.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;
using Kind = PathInfo::PathKind;

namespace {

const char Clang16[] = "/usr/lib/llvm-16/bin/clang";

/// `clang-16 -c` of main.c in \p Dir, as its driver puts it for cc1 (the
/// parts a compile of these files needs), with \p Extra.
std::vector<std::string> cc1Args(const TempDir &Dir, llvm::StringRef Extra) {
  std::vector<std::string> Args = {"-cc1",
                                   "-triple",
                                   "x86_64-pc-linux-gnu",
                                   "-emit-obj",
                                   "-main-file-name",
                                   "main.c",
                                   "-debug-info-kind=constructor",
                                   "-dwarf-version=5",
                                   "-fdebug-compilation-dir=" + Dir.Path,
                                   "-O1"};
  llvm::SmallVector<llvm::StringRef> Words;
  llvm::SplitString(Extra, Words);
  Args.insert(Args.end(), Words.begin(), Words.end());
  for (const char *Tail : {"-o", "main.o", "-x", "c", "main.c"})
    Args.push_back(Tail);
  return Args;
}

CompileJob localJob(const TempDir &Dir, llvm::StringRef Extra = "") {
  CompileJob Job;
  Job.Id = 1;
  Job.Mode = DistributionMode::LocalFiles;
  Job.WorkingDir = Dir.Path;
  Job.Args = cc1Args(Dir, Extra);
  return Job;
}

/// \p Local as the preprocessed mode sends it: the files of \p Dir it reads
/// carried in the job.
CompileJob carryingFiles(const TempDir &Dir, CompileJob Job) {
  Job.Mode = DistributionMode::Preprocessed;
  for (const char *File : {"main.c", "x.h"}) {
    if (!llvm::sys::fs::exists(Dir.file(File)))
      continue;
    std::string Text = readFile(Dir.file(File));
    Job.Files.push_back({File, Text.size(), compress(Text)});
  }
  return Job;
}

CompileResult compileOnce(const CompileJob &Job) {
  static bool Initialized = (initializeCompiler(), true);
  (void)Initialized;
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> ClientFiles;
  if (Job.Mode == DistributionMode::Sources) {
    ClientFiles = llvm::vfs::createPhysicalFileSystem().release();
    REQUIRE(!ClientFiles->setCurrentWorkingDirectory(Job.WorkingDir));
  }
  CompileResult R = compile(Job, ClientFiles, /*LocalFilesAllowed=*/true);
  INFO(R.Diagnostics);
  REQUIRE_FALSE(R.Refused);
  return R;
}

std::string objectOf(const CompileResult &R) {
  REQUIRE(R.ExitCode == 0);
  REQUIRE(!R.Outputs.empty());
  REQUIRE(R.Outputs[0].Kind == OutputKind::Primary);
  return llvm::cantFail(
      decompress(R.Outputs[0].Compressed, R.Outputs[0].RawSize));
}

/// What clang-16 -cc1 writes for \p Job, run in its working directory.
std::string clang16Object(const CompileJob &Job) {
  std::string Command = "cd '" + Job.WorkingDir + "' && exec " + Clang16;
  for (const std::string &A : Job.Args)
    Command += " '" + A + "'";
  llvm::StringRef Argv[] = {"/bin/sh", "-c", Command};
  REQUIRE(llvm::sys::ExecuteAndWait("/bin/sh", Argv) == 0);
  return readFile(Job.WorkingDir + "/main.o");
}

const CompileInput *inputAt(const CompileResult &R, const std::string &Path) {
  for (const CompileInput &I : R.Inputs)
    if (I.Path == Path)
      return &I;
  return nullptr;
}

} // namespace

TEST_CASE("A LocalFiles compile lists what it looked at, and compiles as "
          "clang-16 does",
          "[Compiler]") {
  TempDir T;
  REQUIRE(!llvm::sys::fs::create_directory(T.file("a")));
  REQUIRE(!llvm::sys::fs::create_directory(T.file("b")));
  T.write("b/x.h", "int x(void) { return 42; }\n");
  T.write("main.c", "#include \"x.h\"\nint main(void) { return x(); }\n");
  CompileJob Job = localJob(T, "-I a -I b");
  CompileResult R = compileOnce(Job);
  CHECK(R.Caching == Cacheability::Cacheable);

  // The header is looked for in a first: a header made there later must be
  // a miss.
  const CompileInput *InA = inputAt(R, T.file("a/x.h"));
  const CompileInput *InB = inputAt(R, T.file("b/x.h"));
  REQUIRE(InA);
  REQUIRE(InB);
  CHECK(InA->Info.Kind == Kind::Missing);
  CHECK(InA < InB);
  CHECK(InB->Info.Kind == Kind::File);
  CHECK(InB->Info.Digest == digestContents(readFile(T.file("b/x.h"))));
  for (const char *Dir : {"a", "b"}) {
    const CompileInput *In = inputAt(R, T.file(Dir));
    REQUIRE(In);
    CHECK(In->Info.Kind == Kind::Directory);
  }
  const CompileInput *Main = inputAt(R, T.file("main.c"));
  REQUIRE(Main);
  CHECK(Main->Info.Digest == digestContents(readFile(T.file("main.c"))));

  CHECK(objectOf(R) == clang16Object(Job));
}

TEST_CASE("A header included through a symbolic link is one file, at two "
          "paths",
          "[Compiler]") {
  TempDir T;
  T.write("x.h", "#pragma once\nint x(void) { return 42; }\n");
  REQUIRE(!llvm::sys::fs::create_link("x.h", T.file("link.h")));
  T.write("main.c", "#include \"x.h\"\n#include \"link.h\"\n"
                    "int main(void) { return x(); }\n");
  CompileJob Job = localJob(T);
  CompileResult R = compileOnce(Job);
  CHECK(R.Caching == Cacheability::Cacheable);
  // Found in the main file's directory, ".", and x.h is the real path of
  // both (the name -Wnonportable-include-path compares the #include with).
  const CompileInput *Header = inputAt(R, T.file("./x.h"));
  const CompileInput *Link = inputAt(R, T.file("./link.h"));
  const CompileInput *Real = inputAt(R, T.file("x.h"));
  REQUIRE(Header);
  REQUIRE(Link);
  REQUIRE(Real);
  CHECK(Header->Info.Digest == digestContents(readFile(T.file("x.h"))));
  CHECK(Link->Info == Header->Info);
  CHECK(Real->Info == Header->Info);
  CHECK(objectOf(R) == clang16Object(Job));
}

TEST_CASE("A compile that expanded a clock macro is not cached, in every "
          "mode",
          "[Compiler]") {
  TempDir T;
  const char *Main = nullptr;
  SECTION("in the main file") {
    Main = "const char *t = __TIME__;\nint main(void) { return 0; }\n";
  }
  SECTION("in a header") {
    T.write("x.h", "const char *d = __DATE__;\n");
    Main = "#include \"x.h\"\nint main(void) { return 0; }\n";
  }
  SECTION("in an #if group") {
    Main = "#if __STDC__\nconst char *t = __TIMESTAMP__;\n#endif\n"
           "int main(void) { return 0; }\n";
  }
  SECTION("through a macro of the command line") {
    Main = "const char *t = WHEN;\nint main(void) { return 0; }\n";
  }
  T.write("main.c", Main);
  CompileJob Local = localJob(T, "-DWHEN=__TIME__");
  CompileJob Sources = Local;
  Sources.Mode = DistributionMode::Sources;
  for (const CompileJob &Job : {Local, Sources, carryingFiles(T, Local)}) {
    CompileResult R = compileOnce(Job);
    CHECK(R.ExitCode == 0);
    CHECK(R.Caching == Cacheability::TimeMacro);
    CHECK(R.Inputs.empty());
  }
}

TEST_CASE("Other builtin macros, and clock macros not expanded, are cached",
          "[Compiler]") {
  TempDir T;
  T.write("main.c", "#if 0\nconst char *t = __TIME__;\n#endif\n"
                    "#ifdef __DATE__\n#endif\n"
                    "const char *f = __FILE__;\nint l = __LINE__;\n"
                    "int c = __COUNTER__;\nint main(void) { return 0; }\n");
  CompileResult Local = compileOnce(localJob(T));
  CHECK(Local.ExitCode == 0);
  CHECK(Local.Caching == Cacheability::Cacheable);
  CHECK_FALSE(Local.Inputs.empty());
  CompileResult Preprocessed = compileOnce(carryingFiles(T, localJob(T)));
  CHECK(Preprocessed.ExitCode == 0);
  CHECK(Preprocessed.Caching == Cacheability::Cacheable);
  CHECK(Preprocessed.Inputs.empty());
}

TEST_CASE("An option that reads a file past the file system is not cached",
          "[Compiler]") {
  TempDir T;
  T.write("main.c", "int main(void) { return 0; }\n");
  T.write("seed.txt", "1234\n");
  // Read by CompilerInvocation, at the worker's own working directory.
  CompileResult R = compileOnce(
      localJob(T, "-frandomize-layout-seed-file=" + T.file("seed.txt")));
  CHECK(R.ExitCode == 0);
  CHECK(R.Caching == Cacheability::ReadsOtherFiles);
  CHECK(R.Inputs.empty());
}
