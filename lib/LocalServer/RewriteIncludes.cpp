//===- LocalServer/RewriteIncludes.cpp - The preprocessed mode ------------===//

#include "LocalServer/RewriteIncludes.h"
#include "LocalServer/CounterInCondition.h"
#include "Protocol/Compression.h"
#include "clang/Basic/DiagnosticLex.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "clang/Rewrite/Frontend/Rewriters.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <unistd.h>

using namespace clang;
using namespace clang::dist;

namespace {

/// Diagnostics that only the preprocessing of the original files can raise:
/// they hang on file boundaries, on how an #include was found, or on
/// directives the rewriter comments out. The rewritten source compiles without
/// them, so a job that raises one must be compiled locally to show it.
bool isLostInRewriting(unsigned ID) {
  switch (ID) {
  case diag::ext_no_newline_eof:
  case diag::warn_no_newline_eof:
  case diag::warn_cxx98_compat_no_newline_eof:
  case diag::pp_pragma_once_in_main_file:
  case diag::pp_pragma_sysheader_in_main_file:
  case diag::ext_pp_include_next_directive:
  case diag::pp_include_next_in_primary:
  case diag::pp_include_next_absolute_path:
  case diag::pp_nonportable_path:
  case diag::pp_nonportable_system_path:
  case diag::ext_pp_import_directive:
  // The user's own line markers: the slave ignores this warning because the
  // rewritten source is full of line markers of ours.
  case diag::ext_pp_gnu_line_directive:
    return true;
  default:
    return false;
  }
}

/// Collects why the rewritten source would compile differently from the
/// original files; empty if it would not.
class RewriteHazards : public DiagnosticConsumer {
public:
  std::string Hazard;
  bool CounterInIf = false;

  void note(std::string Why) {
    if (Hazard.empty())
      Hazard = std::move(Why);
  }

  void HandleDiagnostic(DiagnosticsEngine::Level Level,
                        const Diagnostic &Info) override {
    DiagnosticConsumer::HandleDiagnostic(Level, Info);
    if (Level >= DiagnosticsEngine::Warning && isLostInRewriting(Info.getID()))
      note("raises -W" +
           DiagnosticIDs::getWarningOptionForDiag(Info.getID()).str() +
           ", which the rewritten source cannot reproduce");
  }
};

/// Produces exactly what `clang -E -frewrite-includes` prints, into a string,
/// and notes what the slave could not reproduce from it.
class RewriteIncludesToString : public PreprocessorFrontendAction {
public:
  RewriteIncludesToString(std::string &Out, RewriteHazards &Hazards)
      : OS(Out), Hazards(Hazards) {}

protected:
  bool BeginSourceFileAction(CompilerInstance &CI) override {
    Preprocessor &PP = CI.getPreprocessor();
    PP.addPPCallbacks(
        std::make_unique<CounterInCondition>(PP, Hazards.CounterInIf));
    return true;
  }
  void ExecuteAction() override {
    CompilerInstance &CI = getCompilerInstance();
    RewriteIncludesInInput(CI.getPreprocessor(), &OS,
                           CI.getPreprocessorOutputOpts());
    OS.flush();
  }

private:
  llvm::raw_string_ostream OS;
  RewriteHazards &Hazards;
};

} // namespace

std::string clang::dist::whyNotRewritable(const CompilerInvocation &Inv) {
  if (!Inv.getPreprocessorOpts().MacroIncludes.empty())
    return "uses -imacros";
  // These print positions in the rewritten source instead of the presumed
  // ones.
  const DiagnosticOptions &DO = Inv.getDiagnosticOpts();
  if (DO.ShowParseableFixits || DO.ShowSourceRanges)
    return "prints diagnostics with physical positions";
  // Debug information that needs the files themselves, or the lines of the
  // #include directives, which the rewritten source no longer has.
  const CodeGenOptions &CG = Inv.getCodeGenOpts();
  if (CG.EmbedSource || CG.MacroDebugInfo)
    return "embeds sources or macros in the debug information";
  return "";
}

std::string clang::dist::rewriteIncludes(CompilerInvocation Inv,
                                         const SubmitJob &Submit,
                                         SharedFileCache &Cache,
                                         PreparedJob &Prepared) {
  // Rewrite includes as clang -E -frewrite-includes would. Warnings are the
  // slave's to report, with the user's warning options in force here only to
  // spot the ones it cannot; an error means the client's own clang must say
  // it.
  PreprocessorOutputOptions &Out = Inv.getPreprocessorOutputOpts();
  Out.RewriteIncludes = true;
  Out.ShowCPP = true;
  Out.ShowLineMarkers = true;
  Out.UseLineDirectives = false;
  Inv.getFrontendOpts().DisableFree = false;
  // The dependency file is made by this preprocessing, exactly as the
  // compile would have made it, but into a temporary file of ours: the job
  // runner stores it with the object, all or none, so that a job that runs
  // locally after all never finds one this attempt wrote.
  DependencyOutputOptions &Deps = Inv.getDependencyOutputOpts();
  llvm::SmallString<128> DepTemp;
  if (!Deps.OutputFile.empty()) {
    int Fd;
    if (llvm::sys::fs::createTemporaryFile("clang-dist-deps", "d", Fd,
                                           DepTemp))
      return "cannot create a temporary dependency file";
    ::close(Fd);
    Deps.OutputFile = std::string(DepTemp);
  }
  auto RemoveTemp = llvm::make_scope_exit([&] {
    if (!DepTemp.empty())
      llvm::sys::fs::remove(DepTemp);
  });

  CompilerInstance Clang;
  Clang.setInvocation(std::make_shared<CompilerInvocation>(std::move(Inv)));
  RewriteHazards Hazards;
  Clang.createDiagnostics(&Hazards, /*ShouldOwnClient=*/false);
  Clang.createFileManager(Cache.viewFor(Submit.WorkingDir));
  // Not "N warnings generated." into the server's log.
  Clang.setVerboseOutputStream(std::make_unique<llvm::raw_null_ostream>());

  std::string Rewritten;
  RewriteIncludesToString Action(Rewritten, Hazards);
  bool Ok = Clang.ExecuteAction(Action) &&
            !Clang.getDiagnostics().hasErrorOccurred();
  if (!Ok)
    return "preprocessing failed";
  if (Hazards.CounterInIf)
    Hazards.note("uses __COUNTER__ in a preprocessor condition");
  // The modification time of the file it appears in, which on the slave is
  // the rewritten source's. The rewriter expands macros only in directives,
  // so look for it in its output (a mention in a comment costs only speed).
  if (llvm::StringRef(Rewritten).contains("__TIMESTAMP__"))
    Hazards.note("expands __TIMESTAMP__");
  // The rewriter runs the preprocessor with macros expanded only in
  // directives, so _Pragma operators in code are not executed while it
  // decides what to include.
  if (std::string Why = includeTimePragma(Rewritten); !Why.empty())
    Hazards.note(std::move(Why));
  if (!Hazards.Hazard.empty())
    return Hazards.Hazard;
  if (!DepTemp.empty()) {
    auto Buffer = llvm::MemoryBuffer::getFile(DepTemp);
    if (!Buffer)
      return "cannot read the dependency file back";
    Prepared.Dependencies = (*Buffer)->getBuffer().str();
  }
  Prepared.Job.Kind = SourceKind::RewrittenIncludes;
  Prepared.Job.Files.push_back(
      {Prepared.MainFile, Rewritten.size(), compress(Rewritten)});
  return "";
}
