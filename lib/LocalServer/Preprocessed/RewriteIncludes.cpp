//===- LocalServer/Preprocessed/RewriteIncludes.cpp - Preprocessed mode ---===//

#include "LocalServer/Preprocessed/RewriteIncludes.h"
#include "LocalServer/FileContents.h"
#include "LocalServer/Preprocessed/CounterInCondition.h"
#include "Protocol/Compression.h"
#include "clang/Basic/DiagnosticLex.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"
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
  // The user's own line markers: the worker ignores this warning because the
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
  /// The preprocessor whose diagnostics come here, once it exists.
  const Preprocessor *PP = nullptr;

  void note(std::string Why) {
    if (Hazard.empty())
      Hazard = std::move(Why);
  }

  void HandleDiagnostic(DiagnosticsEngine::Level Level,
                        const Diagnostic &Info) override {
    DiagnosticConsumer::HandleDiagnostic(Level, Info);
    if (Level < DiagnosticsEngine::Warning)
      return;
    std::string Option =
        DiagnosticIDs::getWarningOptionForDiag(Info.getID()).str();
    if (isLostInRewriting(Info.getID()))
      note("raises -W" + Option +
           ", which the rewritten source cannot reproduce");
    // The rewritten source has each #if and #elif evaluated already, so the
    // worker never sees what evaluating one warned of (-Wundef,
    // -Wexpansion-to-defined). An error fails the preprocessing anyway.
    else if (PP && PP->isParsingIfOrElifDirective())
      note("raises " + (Option.empty() ? "a warning" : "-W" + Option) +
           " in a preprocessor condition, which the rewritten source no "
           "longer evaluates");
  }
};

/// What the text of the files the preprocessor entered holds that its
/// dependency directives alone would miss.
struct EnteredTextHazards {
  std::string IncludeTimePragma;
  bool MentionsTimestamp = false;
  bool LineDirective = false;
  /// The directives alone could rewrite differently: preprocess in full.
  bool DirectivesMissSomething = false;
};

class EnteredFiles : public PPCallbacks {
public:
  EnteredFiles(const SourceManager &SM, const OpenedFiles &Opened,
               EnteredTextHazards &Out)
      : SM(SM), Opened(Opened), Out(Out) {}

  void FileChanged(SourceLocation Loc, FileChangeReason Reason,
                   SrcMgr::CharacteristicKind FileType, FileID) override {
    if (Reason != EnterFile)
      return;
    FileID ID = SM.getFileID(Loc);
    // The predefines and the command line's macros are no file's text.
    if (!SM.getFileEntryRefForID(ID))
      return;
    std::optional<llvm::MemoryBufferRef> Buffer = SM.getBufferOrNone(ID);
    if (!Buffer)
      return;
    TextHazards Uncached;
    const TextHazards *H = &Uncached;
    if (auto It = Opened.ByBuffer.find(Buffer->getBufferStart());
        It != Opened.ByBuffer.end())
      H = &It->second->hazards();
    else
      Uncached = findTextHazards(Buffer->getBuffer());
    if (Out.IncludeTimePragma.empty())
      Out.IncludeTimePragma = H->IncludeTimePragma;
    Out.MentionsTimestamp |= H->MentionsTimestamp;
    Out.LineDirective |= H->LineDirective;
    Out.DirectivesMissSomething |=
        H->SeverityPragma || H->LineMarker ||
        (H->SystemHeaderPragma && FileType == SrcMgr::C_User);
  }

private:
  const SourceManager &SM;
  const OpenedFiles &Opened;
  EnteredTextHazards &Out;
};

/// Produces exactly what `clang -E -frewrite-includes` prints, into a string,
/// and notes what the worker could not reproduce from it.
class RewriteIncludesToString : public PreprocessorFrontendAction {
public:
  RewriteIncludesToString(std::string &Out, RewriteHazards &Hazards,
                          const OpenedFiles &Opened, EnteredTextHazards &Text)
      : OS(Out), Hazards(Hazards), Opened(Opened), Text(Text) {
    // The rewriter writes a line marker in many small pieces.
    OS.SetBuffered();
  }

protected:
  bool BeginSourceFileAction(CompilerInstance &CI) override {
    Preprocessor &PP = CI.getPreprocessor();
    Hazards.PP = &PP;
    PP.addPPCallbacks(
        std::make_unique<CounterInCondition>(PP, Hazards.CounterInIf));
    PP.addPPCallbacks(
        std::make_unique<EnteredFiles>(CI.getSourceManager(), Opened, Text));
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
  const OpenedFiles &Opened;
  EnteredTextHazards &Text;
};

/// Runs the include rewriter over the job's files; over their dependency
/// directives alone when \p OnDirectives, which skips the lexing of all the
/// code between them (each file's directives are scanned once per build, in
/// the shared cache). Returns why the rewritten source cannot stand for the
/// files, or "".
std::string rewrite(const CompilerInvocation &Inv, const SubmitJob &Submit,
                    SharedFileCache &Cache, bool OnDirectives,
                    std::string &Rewritten, EnteredTextHazards &Text) {
  CompilerInstance Clang;
  Clang.setInvocation(std::make_shared<CompilerInvocation>(Inv));
  RewriteHazards Hazards;
  Clang.createDiagnostics(&Hazards, /*ShouldOwnClient=*/false);
  OpenedFiles Opened;
  Clang.createFileManager(Cache.viewFor(Submit.WorkingDir, &Opened));
  // Not "N warnings generated." into the server's log.
  Clang.setVerboseOutputStream(std::make_unique<llvm::raw_null_ostream>());
  if (OnDirectives)
    Clang.getPreprocessorOpts().DependencyDirectivesForFile =
        [&Clang, &Opened](FileEntryRef File)
        -> std::optional<ArrayRef<dependency_directives_scan::Directive>> {
      auto Buffer = Clang.getSourceManager().getMemoryBufferForFileOrNone(File);
      if (!Buffer)
        return std::nullopt;
      auto It = Opened.ByBuffer.find(Buffer->getBufferStart());
      if (It == Opened.ByBuffer.end())
        return std::nullopt;
      return It->second->directives();
    };

  RewriteIncludesToString Action(Rewritten, Hazards, Opened, Text);
  bool Ok =
      Clang.ExecuteAction(Action) && !Clang.getDiagnostics().hasErrorOccurred();
  if (!Ok)
    return "preprocessing failed";
  if (Hazards.CounterInIf)
    Hazards.note("uses __COUNTER__ in a preprocessor condition");
  // The modification time of the file it appears in, which on the worker is
  // the rewritten source's.
  if (Text.MentionsTimestamp)
    Hazards.note("expands __TIMESTAMP__");
  if (Text.LineDirective)
    Hazards.note("uses #line or line markers, which the rewritten source's "
                 "own line markers undo");
  // The rewriter runs the preprocessor with macros expanded only in
  // directives, so _Pragma operators in code are not executed while it
  // decides what to include.
  if (!Text.IncludeTimePragma.empty())
    Hazards.note(Text.IncludeTimePragma);
  return Hazards.Hazard;
}

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
  // worker's to report, with the user's warning options in force here only to
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
    if (llvm::sys::fs::createTemporaryFile("clang-dist-deps", "d", Fd, DepTemp))
      return "cannot create a temporary dependency file";
    ::close(Fd);
    Deps.OutputFile = std::string(DepTemp);
  }
  auto RemoveTemp = llvm::make_scope_exit([&] {
    if (!DepTemp.empty())
      llvm::sys::fs::remove(DepTemp);
  });

  std::string Rewritten;
  EnteredTextHazards Text;
  std::string Why =
      rewrite(Inv, Submit, Cache, /*OnDirectives=*/true, Rewritten, Text);
  if (Text.DirectivesMissSomething) {
    Rewritten.clear();
    Text = EnteredTextHazards();
    Why = rewrite(Inv, Submit, Cache, /*OnDirectives=*/false, Rewritten, Text);
  }
  if (!Why.empty())
    return Why;
  if (!DepTemp.empty()) {
    auto Buffer = llvm::MemoryBuffer::getFile(DepTemp);
    if (!Buffer)
      return "cannot read the dependency file back";
    Prepared.Dependencies = (*Buffer)->getBuffer().str();
  }
  Prepared.Job.Mode = DistributionMode::Preprocessed;
  Prepared.Job.Files.push_back(
      {Prepared.MainFile, Rewritten.size(), compress(Rewritten)});
  return "";
}

std::string clang::dist::whyDiagnosticsDiffer(llvm::StringRef Diagnostics) {
  // Each token that a paste, a stringizing or a builtin macro makes gets a
  // line of its own in scratch space. The rewritten source evaluates no #if
  // or #elif and takes no #include by name, so the tokens those made are
  // missing on the worker, and every later one is on another line. glibc's
  // headers do that in the conditions of nearly every translation unit (50
  // of zstd's 51), so such a job runs on the client only when a diagnostic
  // shows the line.
  if (Diagnostics.contains("<scratch space>"))
    return "its diagnostics point into scratch space, whose lines the "
           "rewritten source numbers differently";
  // -Wunused-macros: a macro that only #if, #elif or #include used is
  // unused in the rewritten source, and clang lists the unused ones in the
  // order of a hash set of their positions, which the rewritten source
  // moves. No macro is used there that the files do not use, so a compile
  // that calls none unused is right.
  if (Diagnostics.contains("macro is not used"))
    return "its diagnostics call a macro unused, which the rewritten source "
           "may call wrongly or in another order";
  return "";
}
