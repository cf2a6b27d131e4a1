//===- LocalServer/Preprocessor.cpp - Turn a cc1 job into a CompileJob ----===//

#include "LocalServer/Preprocessor.h"
#include "Protocol/Compression.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "clang/Rewrite/Frontend/Rewriters.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang;
using namespace clang::dist;

namespace {

/// Produces exactly what `clang -E -frewrite-includes` prints, into a string.
class RewriteIncludesToString : public PreprocessorFrontendAction {
public:
  explicit RewriteIncludesToString(std::string &Out) : OS(Out) {}

protected:
  void ExecuteAction() override {
    CompilerInstance &CI = getCompilerInstance();
    RewriteIncludesInInput(CI.getPreprocessor(), &OS,
                           CI.getPreprocessorOutputOpts());
    OS.flush();
  }

private:
  llvm::raw_string_ostream OS;
};

/// Why a job that clang can compile must still run on the client, or "".
/// Everything listed writes a file besides the object, reads a file the
/// rewritten source does not carry, or loads code.
std::string whyNotDistributable(const CompilerInvocation &Inv) {
  const FrontendOptions &FO = Inv.getFrontendOpts();
  if (FO.ProgramAction != frontend::EmitObj)
    return "not a compile to an object file";
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
    return "object goes to standard output";
  if (!FO.Plugins.empty() || !FO.AddPluginActions.empty() ||
      !FO.ActionName.empty() || !Inv.getCodeGenOpts().PassPlugins.empty())
    return "loads a plugin";
  if (Inv.getLangOpts()->Modules || !FO.ModuleFiles.empty() ||
      !Inv.getPreprocessorOpts().ImplicitPCHInclude.empty())
    return "uses modules or a precompiled header";
  if (!Inv.getPreprocessorOpts().MacroIncludes.empty())
    return "uses -imacros";
  const CodeGenOptions &CG = Inv.getCodeGenOpts();
  if (!CG.SplitDwarfOutput.empty() || !CG.CoverageNotesFile.empty() ||
      !CG.OptRecordFile.empty() || !CG.StackUsageOutput.empty() ||
      FO.TimeTrace || !FO.StatsFile.empty())
    return "writes a side output file";
  const DiagnosticOptions &DO = Inv.getDiagnosticOpts();
  if (!DO.DiagnosticSerializationFile.empty() ||
      !DO.DiagnosticLogFile.empty() || DO.VerifyDiagnostics)
    return "writes or checks diagnostics files";
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

PreparedJob runLocally(std::string Reason) {
  PreparedJob P;
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
    return runLocally("not a cc1 job");
  if (!llvm::sys::path::is_absolute(Submit.WorkingDir))
    return runLocally("working directory is not absolute");
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
      return runLocally("clang rejects the arguments");
  }
  if (std::string Why = whyNotDistributable(Inv); !Why.empty())
    return runLocally(std::move(Why));

  PreparedJob Prepared;
  CompileJob &Job = Prepared.Job;
  Job.WorkingDir = Submit.WorkingDir;
  Job.Args = Submit.Args;
  Prepared.ObjectPath =
      absolute(Submit.WorkingDir, Inv.getFrontendOpts().OutputFile);
  std::string MainFile = Inv.getFrontendOpts().Inputs[0].getFile().str();

  // Rewrite includes as clang -E -frewrite-includes would. Warnings are the
  // slave's to report; an error means the client's own clang must say it.
  PreprocessorOutputOptions &Out = Inv.getPreprocessorOutputOpts();
  Out.RewriteIncludes = true;
  Out.ShowCPP = true;
  Out.ShowLineMarkers = true;
  Out.UseLineDirectives = false;
  Inv.getDiagnosticOpts().IgnoreWarnings = true;
  Inv.getFrontendOpts().DisableFree = false;
  // The dependency file is written by this preprocessing, exactly as the
  // compile would have written it; its path is the client's.
  DependencyOutputOptions &Deps = Inv.getDependencyOutputOpts();
  if (!Deps.OutputFile.empty())
    Deps.OutputFile = absolute(Submit.WorkingDir, Deps.OutputFile);

  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> FS =
      Cache.viewFor(Submit.WorkingDir);
  Clang->createDiagnostics(new IgnoringDiagConsumer(),
                           /*ShouldOwnClient=*/true);
  Clang->createFileManager(FS);

  std::string Rewritten;
  RewriteIncludesToString Action(Rewritten);
  if (!Clang->ExecuteAction(Action) ||
      Clang->getDiagnostics().hasErrorOccurred())
    return runLocally("preprocessing failed");

  Prepared.SourceBytes = Rewritten.size();
  Job.Files.push_back({MainFile, Rewritten.size(), compress(Rewritten)});
  for (const std::string &Path : auxiliaryInputs(Inv)) {
    auto Buffer = FS->getBufferForFile(Path);
    if (!Buffer)
      return runLocally("cannot read '" + Path + "'");
    llvm::StringRef Data = (*Buffer)->getBuffer();
    Job.Files.push_back({Path, Data.size(), compress(Data)});
  }
  return Prepared;
}
