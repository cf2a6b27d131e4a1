//===- unittests/LocalServer/Preprocessed/RewriteIncludesTest.cpp - Mode --===//
//
// The server rewrites includes over the files' dependency directives, not
// their every token. Its text must be byte for byte what clang's own
// -frewrite-includes prints from the files, which these tests compute beside
// it; where the directives miss something, it must notice.
//
//===----------------------------------------------------------------------===//

#include "LocalServer/Preprocessed/RewriteIncludes.h"
#include "ExpectedMatchers.h"
#include "LocalServer/FileContents.h"
#include "LocalServer/JobPreparation.h"
#include "Protocol/Compression.h"
#include "TempDir.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Rewrite/Frontend/Rewriters.h"
#include "llvm/Support/raw_ostream.h"
#include <catch2/catch.hpp>

using namespace clang;
using namespace clang::dist;
using clang::dist::test::TempDir;
using clang::dist::test::unwrap;

namespace {

std::vector<std::string> cc1Args(const TempDir &Dir, llvm::StringRef Main) {
  return {"-cc1",
          "-triple",
          "x86_64-pc-linux-gnu",
          "-emit-obj",
          "-I",
          "inc",
          "-internal-isystem",
          Dir.file("sys"),
          "-o",
          "out.o",
          "-x",
          "c",
          Main.str()};
}

/// A job of the preprocessed mode on a.c, in a directory of its own with
/// the include directories that cc1Args names.
class RewriteFixture {
protected:
  RewriteFixture() {
    REQUIRE(!llvm::sys::fs::create_directory(Dir.file("inc")));
    REQUIRE(!llvm::sys::fs::create_directory(Dir.file("sys")));
    Submit.WorkingDir = Dir.Path;
    Submit.Args = cc1Args(Dir, "a.c");
  }

  PreparedJob prepare() {
    return prepareJob(Submit, DistributionMode::Preprocessed, Cache);
  }

  TempDir Dir;
  SharedFileCache Cache{1ull << 30, std::chrono::nanoseconds(0)};
  SubmitJob Submit;
};

/// What clang's own rewriter prints for the job, reading the disk itself.
std::string clangsRewrite(const SubmitJob &Submit) {
  std::vector<const char *> Argv;
  for (const std::string &A : llvm::ArrayRef(Submit.Args).drop_front())
    Argv.push_back(A.c_str());
  auto Inv = std::make_shared<CompilerInvocation>();
  CompilerInstance Clang;
  Clang.createDiagnostics(new IgnoringDiagConsumer());
  REQUIRE(CompilerInvocation::CreateFromArgs(*Inv, Argv, Clang.getDiagnostics(),
                                             "clang"));
  Inv->getFileSystemOpts().WorkingDir = Submit.WorkingDir;
  Inv->getPreprocessorOutputOpts().RewriteIncludes = true;
  Inv->getPreprocessorOutputOpts().ShowCPP = true;
  Inv->getPreprocessorOutputOpts().ShowLineMarkers = true;
  Clang.setInvocation(Inv);
  std::string Out;
  class Rewrite : public PreprocessorFrontendAction {
  public:
    explicit Rewrite(std::string &Out) : OS(Out) {}
    void ExecuteAction() override {
      CompilerInstance &CI = getCompilerInstance();
      RewriteIncludesInInput(CI.getPreprocessor(), &OS,
                             CI.getPreprocessorOutputOpts());
    }
    llvm::raw_string_ostream OS;
  } Action(Out);
  REQUIRE(Clang.ExecuteAction(Action));
  Action.OS.flush();
  return Out;
}

std::string serversRewrite(const PreparedJob &Prepared) {
  REQUIRE(Prepared.RunLocallyReason.empty());
  REQUIRE(Prepared.Job.Files.size() == 1);
  return unwrap(decompress(Prepared.Job.Files[0].Compressed,
                           Prepared.Job.Files[0].RawSize));
}

} // namespace

TEST_CASE_METHOD(RewriteFixture,
                 "RewriteIncludes prints what clang's rewriter prints",
                 "[RewriteIncludes]") {
  // Guards, #pragma once, conditions on macros the headers define,
  // __has_include, #include_next, a computed #include, skipped blocks with
  // directives in them, code between the directives that looks like one, a
  // header without a final newline and one with CRLF line endings.
  Dir.write("inc/guarded.h", "#ifndef GUARDED_H\n#define GUARDED_H\n"
                             "#define LEVEL 2\nint guarded;\n#endif\n");
  Dir.write("inc/once.h", "#pragma once\nint once;\n");
  Dir.write("inc/level1.h", "int level1;\n");
  Dir.write("inc/level2.h", "int level2; /* #include \"nowhere.h\" */\n"
                            "const char *s = \"#include <nowhere.h>\";");
  Dir.write("inc/stdio.h", "#include_next <stdio.h>\nint mine;\n");
  Dir.write("sys/stdio.h", "int theirs;\r\n#if 1\r\nint crlf;\r\n#endif\r\n");
  Dir.write("a.c", "#include \"guarded.h\"\n"
                   "#include \"guarded.h\"\n"
                   "#include \"once.h\"\n"
                   "#include \"once.h\"\n"
                   "#if LEVEL == 1\n#include \"level1.h\"\n"
                   "#elif LEVEL == 2\n#include \"level2.h\"\n"
                   "#else\n#if 1\n#include \"missing.h\"\n#endif\n#endif\n"
                   "#if __has_include(\"absent.h\")\n#include \"absent.h\"\n"
                   "#endif\n"
                   "#define HEADER <stdio.h>\n#include HEADER\n"
                   "int main(void) { return guarded + once; }\n");
  std::string Expected = clangsRewrite(Submit);
  CHECK(Expected.find("int crlf;") != std::string::npos);
  CHECK(Expected.find("int level2;") != std::string::npos);
  CHECK(serversRewrite(prepare()) == Expected);
  // Again, with every file's directives from the cache.
  CHECK(serversRewrite(prepare()) == Expected);
}

TEST_CASE_METHOD(RewriteFixture, "RewriteIncludes leaves #error to the worker",
                 "[RewriteIncludes]") {
  // A run over the dependency directives does not see #error, which they
  // leave out; the worker's compile of the rewritten source reports it.
  Dir.write("inc/old.h", "#error this header is too old\n");
  Dir.write("a.c", "#include \"old.h\"\n");
  std::string Text = serversRewrite(prepare());
  CHECK(Text.find("#error this header is too old") != std::string::npos);
}

TEST_CASE_METHOD(RewriteFixture,
                 "RewriteIncludes reads the files whole where the directives "
                 "miss something",
                 "[RewriteIncludes]") {
  SECTION("a #line directive, which the rewriter's line markers undo") {
    Dir.write("inc/generated.h",
              "#line 100 \"grammar.y\"\n#ifdef RULE\nint rule;\n#endif\n");
    Dir.write("a.c", "#include \"generated.h\"\n");
    CHECK(prepare().RunLocallyReason == "uses #line or line markers, which "
                                        "the rewritten source's own line "
                                        "markers undo");
  }

  SECTION("#pragma GCC system_header makes what a user header includes next "
          "a system header") {
    Dir.write("inc/quiet.h",
              "#pragma GCC system_header\n#include \"loud.h\"\n");
    Dir.write("inc/loud.h", "int loud;\n");
    Dir.write("a.c", "#include \"quiet.h\"\n");
    std::string Text = serversRewrite(prepare());
    CHECK(Text == clangsRewrite(Submit));
    CHECK(Text.find("loud.h\" 1 3") != std::string::npos);
  }

  SECTION("a pragma turns on a warning the rewritten source cannot show") {
    Dir.write("inc/strict.h",
              "#pragma clang diagnostic warning \"-Wnewline-eof\"\n");
    Dir.write("inc/last.h", "int last;");
    Dir.write("a.c", "#include \"strict.h\"\n#include \"last.h\"\n");
    PreparedJob Prepared = prepare();
    CHECK(Prepared.RunLocallyReason ==
          "raises -Wnewline-eof, which the rewritten source cannot reproduce");
  }

  SECTION("a line marker of the user's own, which -Wgnu-line-marker warns "
          "of") {
    // No directive follows it, so the rewriter's line markers keep it; but
    // the worker ignores the warning, since the rewritten source is full of
    // line markers of the rewriter's.
    Dir.write("a.c", "int before;\n# 10 \"grammar.y\"\nint rule;\n");
    Submit.Args.insert(Submit.Args.begin() + 1, "-Wgnu-line-marker");
    CHECK(prepare().RunLocallyReason == "raises -Wgnu-line-marker, which the "
                                        "rewritten source cannot reproduce");
  }
}

TEST_CASE_METHOD(RewriteFixture,
                 "RewriteIncludes keeps on the client the warnings of its "
                 "evaluation of conditions",
                 "[RewriteIncludes]") {
  auto WhyLocal = [&](std::vector<std::string> Flags) {
    Submit.Args = cc1Args(Dir, "a.c");
    Submit.Args.insert(Submit.Args.begin() + 1, Flags.begin(), Flags.end());
    return prepare().RunLocallyReason;
  };

  Dir.write("a.c", "#if UNDEFINED\n#endif\nint x;\n");
  CHECK(WhyLocal({"-Wundef"}) ==
        "raises -Wundef in a preprocessor condition, which the rewritten "
        "source no longer evaluates");
  CHECK(WhyLocal({}).empty());
  CHECK(WhyLocal({"-Wundef", "-Werror"}) == "preprocessing failed");
  // On by default.
  Dir.write("a.c", "#define HAVE_BAR defined(BAR)\n#if HAVE_BAR\n#endif\n");
  CHECK(WhyLocal({}) == "raises -Wexpansion-to-defined in a preprocessor "
                        "condition, which the rewritten source no longer "
                        "evaluates");
  // The warnings of a system header's conditions are not shown anyway.
  Dir.write("sys/sys.h", "#if UNDEFINED\n#endif\n");
  Dir.write("a.c", "#include <sys.h>\nint x;\n");
  CHECK(WhyLocal({"-Wundef"}).empty());
}

TEST_CASE("whyDiagnosticsDiffer spots what the rewritten source may have "
          "changed",
          "[RewriteIncludes]") {
  CHECK(whyDiagnosticsDiffer("a.c:5:7: warning: unused variable 'unused'\n"
                             "<scratch space>:2:1: note: expanded from here\n")
            .find("scratch space") != std::string::npos);
  CHECK(whyDiagnosticsDiffer(
            "a.c:1:9: error: macro is not used [-Werror,-Wunused-macros]\n")
            .find("unused") != std::string::npos);
  CHECK(
      whyDiagnosticsDiffer("a.c:5:7: warning: unused variable 'x'\n").empty());
  CHECK(whyDiagnosticsDiffer("").empty());
}

TEST_CASE("findTextHazards finds what the dependency directives drop",
          "[RewriteIncludes]") {
  TextHazards None =
      findTextHazards("#include <a.h>\n#pragma once\n"
                      "#pragma GCC diagnostic ignored \"-Wall\"\n"
                      "int line; // #line 3\n");
  CHECK_FALSE(None.LineDirective);
  CHECK_FALSE(None.SeverityPragma);
  CHECK_FALSE(None.SystemHeaderPragma);
  // Only where a directive after it makes the rewriter write a line marker.
  CHECK_FALSE(
      findTextHazards("#if 1\n#endif\n#line 3\nint x;\n").LineDirective);
  CHECK(findTextHazards("int x;\n  #  line 3\n#if 1\n").LineDirective);
  CHECK(findTextHazards("# 12 \"gen.y\"\n#endif\n").LineDirective);
  CHECK(findTextHazards("int x;\n# 12 \"gen.y\"\n").LineMarker);
  CHECK_FALSE(findTextHazards("#line 12\n").LineMarker);
  CHECK(findTextHazards("#line 2\n#include <a.h>\n").LineDirective);
  CHECK(findTextHazards("#line 2\n#pragma once\n").LineDirective);
  CHECK(findTextHazards("#pragma clang diagnostic error \"-Wfoo\"\n")
            .SeverityPragma);
  CHECK(findTextHazards("#pragma GCC diagnostic warning \"-Wfoo\"\n")
            .SeverityPragma);
  CHECK(findTextHazards("#pragma clang system_header\n").SystemHeaderPragma);
  CHECK_FALSE(findTextHazards("#pragma GCC system_header\n").SeverityPragma);
  CHECK(findTextHazards("const char *t = __TIMESTAMP__;").MentionsTimestamp);
  CHECK(
      findTextHazards("_Pragma(\"push_macro(\\\"X\\\")\")").IncludeTimePragma ==
      "uses _Pragma(\"push_macro\"), which must act while includes are "
      "resolved");
  CHECK(findTextHazards("_Pragma(\"GCC diagnostic push\")")
            .IncludeTimePragma.empty());
}
