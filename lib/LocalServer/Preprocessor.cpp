//===- LocalServer/Preprocessor.cpp - Turn a cc1 job into a CompileJob ----===//

#include "LocalServer/Preprocessor.h"
#include "Protocol/Compression.h"
#include "clang/Basic/DiagnosticLex.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Lex/HeaderSearchOptions.h"
#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "clang/Rewrite/Frontend/Rewriters.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <sys/stat.h>

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

/// The rewriter runs the preprocessor with macros expanded only in
/// directives, so _Pragma operators in code are not executed while it decides
/// what to include. Those that change what later directives see would make
/// its choices differ from a real compile: _Pragma("once") (the header would
/// be inlined twice), push_macro/pop_macro, poison, system_header.
/// Returns why, or "".
std::string includeTimePragma(llvm::StringRef Text) {
  for (size_t Pos = Text.find("_Pragma"); Pos != llvm::StringRef::npos;
       Pos = Text.find("_Pragma", Pos + 1)) {
    llvm::StringRef Rest = Text.drop_front(Pos + 7).ltrim();
    if (!Rest.consume_front("("))
      continue;
    Rest = Rest.ltrim();
    Rest.consume_front("L");
    if (!Rest.consume_front("\""))
      continue;
    llvm::StringRef Pragma = Rest.take_until([](char C) { return C == '"'; });
    Pragma = Pragma.ltrim();
    Pragma.consume_front("GCC");
    Pragma.consume_front("clang");
    Pragma = Pragma.ltrim();
    for (llvm::StringRef Name :
         {"once", "push_macro", "pop_macro", "poison", "system_header"})
      if (Pragma.startswith(Name))
        return ("uses _Pragma(\"" + Name +
                "\"), which must act while "
                "includes are resolved")
            .str();
  }
  return "";
}

/// Collects why the rewritten source would compile differently from the
/// original files; empty if it would not.
class RewriteHazards : public DiagnosticConsumer {
public:
  std::string Hazard;

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

class HazardCallbacks : public PPCallbacks {
public:
  HazardCallbacks(Preprocessor &PP, RewriteHazards &Hazards)
      : PP(PP), Hazards(Hazards) {}

  void MacroExpands(const Token &Name, const MacroDefinition &, SourceRange,
                    const MacroArgs *) override {
    const IdentifierInfo *II = Name.getIdentifierInfo();
    if (!II)
      return;
    // The rewriter evaluates #if itself, so a counter used there advances
    // here and not on the slave.
    if (II->getName() == "__COUNTER__" && PP.isParsingIfOrElifDirective())
      Hazards.note("uses __COUNTER__ in a preprocessor condition");
  }

private:
  Preprocessor &PP;
  RewriteHazards &Hazards;
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
    PP.addPPCallbacks(std::make_unique<HazardCallbacks>(PP, Hazards));
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

/// Why a job that clang can compile must still run on the client, or "".
/// Everything listed writes a file besides the object, reads a file the
/// rewritten source does not carry, or loads code.
std::string whyNotDistributable(const CompilerInvocation &Inv) {
  const FrontendOptions &FO = Inv.getFrontendOpts();
  switch (FO.ProgramAction) {
  case frontend::EmitObj:
  case frontend::EmitBC:
  case frontend::EmitAssembly:
  case frontend::EmitLLVM:
    break;
  default:
    return "not a compile to an object, bitcode or assembly file";
  }
  if (FO.Inputs.size() != 1 || !FO.Inputs[0].isFile() ||
      FO.Inputs[0].getFile() == "-")
    return "input is not exactly one file";
  InputKind Kind = FO.Inputs[0].getKind();
  if (Kind.isPreprocessed() || Kind.getFormat() != InputKind::Source)
    return "input is not C, C++ or Objective-C source";
  switch (Kind.getLanguage()) {
  case Language::C:
  case Language::CXX:
  case Language::ObjC:
  case Language::ObjCXX:
    break;
  default:
    return "input language is not C, C++ or Objective-C";
  }
  if (FO.OutputFile.empty() || FO.OutputFile == "-")
    return "output goes to standard output";
  if (!FO.Plugins.empty() || !FO.AddPluginActions.empty() ||
      !FO.ActionName.empty() || !Inv.getCodeGenOpts().PassPlugins.empty())
    return "loads a plugin";
  // C++20 turns LangOpts.Modules on by itself; what the slave lacks are
  // module maps, module files and precompiled headers.
  const LangOptions &LO = *Inv.getLangOpts();
  const HeaderSearchOptions &HS = Inv.getHeaderSearchOpts();
  if ((LO.Modules && !LO.CPlusPlusModules) || HS.ImplicitModuleMaps ||
      !HS.PrebuiltModulePaths.empty() || !HS.PrebuiltModuleFiles.empty() ||
      !FO.ModuleFiles.empty() || !FO.ModuleMapFiles.empty() ||
      !Inv.getPreprocessorOpts().ImplicitPCHInclude.empty())
    return "uses modules or a precompiled header";
  if (!Inv.getPreprocessorOpts().MacroIncludes.empty())
    return "uses -imacros";
  const CodeGenOptions &CG = Inv.getCodeGenOpts();
  if (!CG.CoverageNotesFile.empty() || !CG.OptRecordFile.empty() ||
      !CG.StackUsageOutput.empty() || FO.TimeTrace || !FO.StatsFile.empty())
    return "writes a side output file";
  const DiagnosticOptions &DO = Inv.getDiagnosticOpts();
  if (!DO.DiagnosticSerializationFile.empty() ||
      !DO.DiagnosticLogFile.empty() || DO.VerifyDiagnostics)
    return "writes or checks diagnostics files";
  // These print positions in the rewritten source instead of the presumed
  // ones, or look header files up by name, which the slave does not have.
  if (DO.ShowParseableFixits || DO.ShowSourceRanges || DO.AbsolutePath)
    return "prints diagnostics with physical positions or absolute paths";
  // clang 16's SARIF writer needs a file entry for every location, and the
  // locations of rewritten source have none (it crashes).
  if (DO.getFormat() == DiagnosticOptions::SARIF)
    return "prints diagnostics as SARIF";
  // Text the slave would print to its own stdout or stderr, not into the
  // diagnostics it returns.
  if (LO.DumpRecordLayouts || LO.DumpRecordLayoutsSimple ||
      LO.DumpRecordLayoutsCanonical || LO.DumpRecordLayoutsComplete ||
      LO.DumpVTableLayouts || FO.ShowStats || FO.PrintSupportedCPUs ||
      HS.Verbose || CG.TimePasses || CG.DebugPassManager ||
      CG.DumpCoverageMapping)
    return "prints reports besides diagnostics";
  // -mllvm options set global state in the compiler that runs the job, and
  // may print; the driver's own one is harmless.
  if (llvm::any_of(FO.LLVMArgs, [](const std::string &A) {
        return A != "-treat-scalable-fixed-error-as-warning";
      }))
    return "sets LLVM options (-mllvm)";
  // Debug information that needs the files themselves, or the lines of the
  // #include directives, which the rewritten source no longer has.
  if (CG.EmbedSource || CG.MacroDebugInfo)
    return "embeds sources or macros in the debug information";
  const DependencyOutputOptions &Deps = Inv.getDependencyOutputOpts();
  if (Deps.OutputFile == "-" || Deps.ShowHeaderIncludes ||
      Deps.ShowIncludesDest != ShowIncludesDestination::None ||
      !Deps.DOTOutputFile.empty() || !Deps.ModuleDependencyOutputDir.empty())
    return "prints or writes include information";
  return "";
}

/// Files other than the source that the compile reads.
std::vector<std::string> auxiliaryInputs(const CompilerInvocation &Inv) {
  std::vector<std::string> Files = Inv.getLangOpts()->NoSanitizeFiles;
  const CodeGenOptions &CG = Inv.getCodeGenOpts();
  for (const std::string *Path :
       {&CG.ProfileInstrumentUsePath, &CG.SampleProfileFile,
        &CG.ProfileRemappingFile})
    if (!Path->empty())
      Files.push_back(*Path);
  for (const std::vector<std::string> *List :
       {&Inv.getLangOpts()->ProfileListFiles,
        &Inv.getLangOpts()->XRayAlwaysInstrumentFiles,
        &Inv.getLangOpts()->XRayNeverInstrumentFiles,
        &Inv.getLangOpts()->XRayAttrListFiles})
    Files.insert(Files.end(), List->begin(), List->end());
  return Files;
}

PreparedJob runLocally(PreparedJob P, std::string Reason) {
  P.RunLocallyReason = std::move(Reason);
  return P;
}

std::string absolute(llvm::StringRef WorkingDir, llvm::StringRef Path) {
  llvm::SmallString<256> Result(Path);
  if (!llvm::sys::path::is_absolute(Result)) {
    Result = WorkingDir;
    llvm::sys::path::append(Result, Path);
  }
  return std::string(Result);
}

} // namespace

PreparedJob clang::dist::prepareJob(const SubmitJob &Submit,
                                    SharedFileCache &Cache) {
  if (Submit.Args.empty() || Submit.Args[0] != "-cc1")
    return runLocally(PreparedJob(), "not a cc1 job");
  if (!llvm::sys::path::is_absolute(Submit.WorkingDir))
    return runLocally(PreparedJob(), "working directory is not absolute");
  std::vector<const char *> Argv;
  for (const std::string &A : llvm::ArrayRef(Submit.Args).drop_front())
    Argv.push_back(A.c_str());

  auto Clang = std::make_unique<CompilerInstance>();
  CompilerInvocation &Inv = Clang->getInvocation();
  {
    llvm::IntrusiveRefCntPtr<DiagnosticOptions> Opts(new DiagnosticOptions());
    IgnoringDiagConsumer Ignore;
    DiagnosticsEngine Diags(new DiagnosticIDs(), &*Opts, &Ignore, false);
    if (!CompilerInvocation::CreateFromArgs(Inv, Argv, Diags, "clang") ||
        Diags.hasErrorOccurred())
      return runLocally(PreparedJob(), "clang rejects the arguments");
  }
  PreparedJob Prepared;
  if (!Inv.getFrontendOpts().Inputs.empty())
    Prepared.MainFile = Inv.getFrontendOpts().Inputs[0].getFile().str();
  if (std::string Why = whyNotDistributable(Inv); !Why.empty())
    return runLocally(std::move(Prepared), std::move(Why));

  CompileJob &Job = Prepared.Job;
  Job.WorkingDir = Submit.WorkingDir;
  Job.Args = Submit.Args;
  Prepared.ObjectPath =
      absolute(Submit.WorkingDir, Inv.getFrontendOpts().OutputFile);
  if (!Inv.getCodeGenOpts().SplitDwarfOutput.empty())
    Prepared.SplitDwarfPath =
        absolute(Submit.WorkingDir, Inv.getCodeGenOpts().SplitDwarfOutput);

  // Rewrite includes as clang -E -frewrite-includes would. Warnings are the
  // slave's to report, with the user's warning options in force here only to
  // spot the ones it cannot; an error means the client's own clang must say it.
  PreprocessorOutputOptions &Out = Inv.getPreprocessorOutputOpts();
  Out.RewriteIncludes = true;
  Out.ShowCPP = true;
  Out.ShowLineMarkers = true;
  Out.UseLineDirectives = false;
  Inv.getFrontendOpts().DisableFree = false;
  // The dependency file is written by this preprocessing, exactly as the
  // compile would have written it; its path is the client's. clang creates a
  // new one under the client's umask and keeps the mode of one it overwrites.
  DependencyOutputOptions &Deps = Inv.getDependencyOutputOpts();
  if (!Deps.OutputFile.empty())
    Deps.OutputFile = absolute(Submit.WorkingDir, Deps.OutputFile);
  bool NewDepFile =
      !Deps.OutputFile.empty() && !llvm::sys::fs::exists(Deps.OutputFile);

  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> FS =
      Cache.viewFor(Submit.WorkingDir);
  RewriteHazards Hazards;
  Clang->createDiagnostics(&Hazards, /*ShouldOwnClient=*/false);
  Clang->createFileManager(FS);
  // Not "N warnings generated." into the server's log.
  Clang->setVerboseOutputStream(std::make_unique<llvm::raw_null_ostream>());

  std::string Rewritten;
  RewriteIncludesToString Action(Rewritten, Hazards);
  bool Ok = Clang->ExecuteAction(Action) &&
            !Clang->getDiagnostics().hasErrorOccurred();
  if (NewDepFile)
    ::chmod(Deps.OutputFile.c_str(), 0666 & ~Submit.Umask);
  if (!Ok)
    return runLocally(std::move(Prepared), "preprocessing failed");
  // The modification time of the file it appears in, which on the slave is
  // the rewritten source's. The rewriter expands macros only in directives,
  // so look for it in its output (a mention in a comment costs only speed).
  if (llvm::StringRef(Rewritten).contains("__TIMESTAMP__"))
    Hazards.note("expands __TIMESTAMP__");
  if (std::string Why = includeTimePragma(Rewritten); !Why.empty())
    Hazards.note(std::move(Why));
  if (!Hazards.Hazard.empty())
    return runLocally(std::move(Prepared), std::move(Hazards.Hazard));

  Job.Files.push_back(
      {Prepared.MainFile, Rewritten.size(), compress(Rewritten)});
  for (const std::string &Path : auxiliaryInputs(Inv)) {
    auto Buffer = FS->getBufferForFile(Path);
    if (!Buffer)
      return runLocally(std::move(Prepared), "cannot read '" + Path + "'");
    llvm::StringRef Data = (*Buffer)->getBuffer();
    Job.Files.push_back({Path, Data.size(), compress(Data)});
  }
  return Prepared;
}
