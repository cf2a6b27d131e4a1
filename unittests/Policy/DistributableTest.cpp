//===- unittests/Policy/DistributableTest.cpp - What a worker runs --------===//

#include "Policy/Distributable.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/TextDiagnosticBuffer.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include <catch2/catch.hpp>

using namespace clang;
using namespace clang::dist;
using Catch::Matchers::Equals;

namespace {

/// What clang-16's driver makes of `clang -c -O2 -g -Wall -MD -MF x.d x.c
/// -o x.o`, without the leading -cc1.
const char DriverJob[] =
    "-triple x86_64-pc-linux-gnu -emit-obj -disable-free "
    "-clear-ast-before-backend -disable-llvm-verifier -discard-value-names "
    "-main-file-name x.c -mrelocation-model pic -pic-level 2 -pic-is-pie "
    "-mframe-pointer=none -fmath-errno -ffp-contract=on -fno-rounding-math "
    "-mconstructor-aliases -funwind-tables=2 -target-cpu x86-64 -tune-cpu "
    "generic -mllvm -treat-scalable-fixed-error-as-warning "
    "-debug-info-kind=constructor -dwarf-version=5 -debugger-tuning=gdb "
    "-fcoverage-compilation-dir=/src -resource-dir "
    "/usr/lib/llvm-16/lib/clang/16 "
    "-dependency-file x.d -MT x.o -sys-header-deps -internal-isystem "
    "/usr/lib/llvm-16/lib/clang/16/include -internal-externc-isystem "
    "/usr/include -O2 -Wall -fdebug-compilation-dir=/src -ferror-limit 19 "
    "-fgnuc-version=4.2.1 -vectorize-loops -vectorize-slp -faddrsig "
    "-D__GCC_HAVE_DWARF2_CFI_ASM=1 -o x.o -x c x.c";

/// The verdict on the cc1 job \p Args (space-separated, without -cc1).
std::string verdict(llvm::StringRef Args, bool SharesDisk = false) {
  llvm::SmallVector<llvm::StringRef> Words;
  llvm::SplitString(Args, Words);
  std::vector<std::string> Owned(Words.begin(), Words.end());
  std::vector<const char *> Argv;
  for (const std::string &W : Owned)
    Argv.push_back(W.c_str());
  CompilerInvocation Inv;
  llvm::IntrusiveRefCntPtr<DiagnosticOptions> Opts(new DiagnosticOptions());
  TextDiagnosticBuffer Buffer;
  DiagnosticsEngine Diags(new DiagnosticIDs(), &*Opts, &Buffer, false);
  REQUIRE(CompilerInvocation::CreateFromArgs(Inv, Argv, Diags, "clang"));
  return whyNotDistributable(Argv, Inv, SharesDisk);
}

} // namespace

TEST_CASE("A worker runs what the driver makes of a compile", "[Policy]") {
  CHECK_THAT(verdict(DriverJob), Equals(""));
  for (const char *Extra :
       {"-S", "-emit-llvm-bc", "-emit-llvm", "-fsanitize=address", "-fno-rtti",
        "-split-dwarf-file x.dwo -split-dwarf-output x.dwo",
        "-fsanitize-ignorelist=ignore.txt", "-Werror=format -pedantic",
        "-fcolor-diagnostics", "-Iinclude -isystem sys -include pre.h",
        "-std=c++20 -x c++"}) {
    INFO(Extra);
    CHECK_THAT(verdict(std::string(DriverJob) + " " + Extra), Equals(""));
  }
}

TEST_CASE("A worker runs no other action: each writes a file or prints",
          "[Policy]") {
  // From issue 20: each of these, sent by a crafted peer, wrote a file of
  // the peer's choosing or aborted the slot.
  const std::pair<const char *, const char *> Jobs[] = {
      {"-E -o /any/path x.c", "'-E'"},
      {"-E -frewrite-includes -o /any/path x.c", "'-E'"},
      {"-emit-pch -o /any/path x.h", "'-emit-pch'"},
      {"-ast-print -o /any/path x.c", "'-ast-print'"},
      {"-rewrite-macros -o /any/path x.c", "'-rewrite-macros'"},
      {"-emit-html -o /any/path x.c", "'-emit-html'"},
      {"-fixit /any/path x.c", "'-fixit'"},
      {"-fixit=.sfx x.c", "'-fixit=.sfx'"},
      {"-module-file-info x.pcm", "'-module-file-info'"},
      {"-fsyntax-only x.c", "'-fsyntax-only'"},
  };
  for (auto [Job, Option] : Jobs) {
    INFO(Job);
    CHECK_THAT(verdict(Job), Equals(std::string("option ") + Option +
                                    " is not one a worker runs"));
  }
  // Without any action option cc1 only checks the syntax.
  CHECK_THAT(verdict("-o x.o x.c"),
             Equals("not a compile to an object, bitcode or assembly file"));
}

TEST_CASE("A worker refuses options that load code, write files or print",
          "[Policy]") {
  for (const char *Extra :
       {"-load evil.so", "-fpass-plugin=evil.so", "-add-plugin evil",
        "-serialize-diagnostic-file x.dia", "-opt-record-file x.yaml",
        "-stack-usage-file x.su", "-header-include-file x.h", "-ftime-trace",
        "-fthin-link-bitcode=x.bc", "-fverify-debuginfo-preserve-export=x.json",
        "-as-secure-log-file x.log", "-ivfsoverlay x.yaml",
        "-include-pch x.pch", "-fmodules", "-v", "-print-stats",
        "-fdump-record-layouts", "-ftime-report", "-H"}) {
    INFO(Extra);
    std::string Why = verdict(std::string(DriverJob) + " " + Extra);
    CHECK_THAT(Why, Catch::StartsWith("option '"));
    CHECK_THAT(Why, Catch::EndsWith("' is not one a worker runs"));
  }
}

TEST_CASE("A file clang reads from the disk itself is read only by a worker "
          "that shares the disk",
          "[Policy]") {
  std::string Job = std::string(DriverJob) + " -fprofile-sample-use=x.prof";
  CHECK_THAT(verdict(Job), Equals("option '-fprofile-sample-use=x.prof' "
                                  "makes clang read a file from the disk "
                                  "itself"));
  CHECK_THAT(verdict(Job, /*SharesDisk=*/true), Equals(""));
}

TEST_CASE("What the options alone do not say", "[Policy]") {
  std::string Job = DriverJob;
  CHECK_THAT(verdict(Job + " -mllvm -print-after-all"),
             Equals("sets LLVM options (-mllvm)"));
  CHECK_THAT(verdict(Job + " -fdiagnostics-format sarif"),
             Equals("prints diagnostics as SARIF"));
  CHECK_THAT(verdict(Job + " -fdiagnostics-absolute-paths"),
             Equals("prints diagnostics with absolute paths"));
  CHECK_THAT(verdict(Job + " -o -"), Equals("output goes to standard output"));
  CHECK_THAT(verdict(Job + " y.c"), Equals("input is not exactly one file"));
  CHECK_THAT(verdict(Job + " -x assembler-with-cpp"),
             Equals("input language is not C, C++ or Objective-C"));
}

TEST_CASE("A file of the client's process stays with the client", "[Policy]") {
  std::string Job = DriverJob;
  for (bool SharesDisk : {false, true}) {
    CHECK_THAT(
        verdict(std::string(DriverJob, sizeof(DriverJob) - 4) + "/dev/fd/63",
                SharesDisk),
        Equals("'/dev/fd/63' names a file of the client's process"));
    CHECK_THAT(verdict(Job + " -include /proc/self/fd/3", SharesDisk),
               Equals("'/proc/self/fd/3' names a file of the client's "
                      "process"));
    CHECK_THAT(verdict(Job + " -o /dev/stdout", SharesDisk),
               Equals("'/dev/stdout' names a file of the client's process"));
  }
}
