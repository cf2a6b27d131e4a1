//===- LocalServer/JobPreparation.cpp - Turn a cc1 job into a CompileJob --===//

#include "LocalServer/JobPreparation.h"
#include "LocalServer/RewriteIncludes.h"
#include "Protocol/Compression.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Lex/HeaderSearchOptions.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "llvm/Support/Path.h"

using namespace clang;
using namespace clang::dist;

namespace {

/// Why a job that clang can compile must still run on the client in either
/// mode, or "". Everything listed writes a file besides the outputs a slave
/// returns, prints besides diagnostics, depends on the client's file system
/// beyond the files a compile reads, or loads code.
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
  if (!HS.VFSOverlayFiles.empty())
    return "uses a virtual file system overlay";
  const CodeGenOptions &CG = Inv.getCodeGenOpts();
  if (!CG.CoverageNotesFile.empty() || !CG.OptRecordFile.empty() ||
      !CG.StackUsageOutput.empty() || FO.TimeTrace || !FO.StatsFile.empty())
    return "writes a side output file";
  const DiagnosticOptions &DO = Inv.getDiagnosticOpts();
  if (!DO.DiagnosticSerializationFile.empty() ||
      !DO.DiagnosticLogFile.empty() || DO.VerifyDiagnostics)
    return "writes or checks diagnostics files";
  // The real path of a header is the client's to resolve.
  if (DO.AbsolutePath)
    return "prints diagnostics with absolute paths";
  // clang 16's SARIF writer crashes on the locations of rewritten source,
  // and now and then in a compile from the sources too.
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
                                    DistributionMode Mode,
                                    SharedFileCache &Cache) {
  if (Submit.Args.empty() || Submit.Args[0] != "-cc1")
    return runLocally(PreparedJob(), "not a cc1 job");
  if (!llvm::sys::path::is_absolute(Submit.WorkingDir))
    return runLocally(PreparedJob(), "working directory is not absolute");
  std::vector<const char *> Argv;
  for (const std::string &A : llvm::ArrayRef(Submit.Args).drop_front())
    Argv.push_back(A.c_str());

  CompilerInvocation Inv;
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
  std::string Why = whyNotDistributable(Inv);
  if (Why.empty() && Mode == DistributionMode::Preprocessed)
    Why = whyNotRewritable(Inv);
  if (!Why.empty())
    return runLocally(std::move(Prepared), std::move(Why));

  Prepared.Job.WorkingDir = Submit.WorkingDir;
  Prepared.Job.Args = Submit.Args;
  Prepared.ObjectPath =
      absolute(Submit.WorkingDir, Inv.getFrontendOpts().OutputFile);
  if (!Inv.getCodeGenOpts().SplitDwarfOutput.empty())
    Prepared.SplitDwarfPath =
        absolute(Submit.WorkingDir, Inv.getCodeGenOpts().SplitDwarfOutput);

  if (!Inv.getDependencyOutputOpts().OutputFile.empty())
    Prepared.DependencyPath =
        absolute(Submit.WorkingDir, Inv.getDependencyOutputOpts().OutputFile);

  // The slave reads what the compile reads: from the disk it shares with the
  // client, or by asking this server about each path (AnswerBook.h).
  if (Mode == DistributionMode::LocalFiles) {
    Prepared.Job.Kind = SourceKind::LocalFiles;
    return Prepared;
  }
  if (Mode == DistributionMode::Sources) {
    Prepared.Job.Kind = SourceKind::Sources;
    return Prepared;
  }
  std::vector<std::string> Extra = auxiliaryInputs(Inv);
  Why = rewriteIncludes(std::move(Inv), Submit, Cache, Prepared);
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> FS =
      Cache.viewFor(Submit.WorkingDir);
  for (const std::string &Path : Extra) {
    if (!Why.empty())
      break;
    auto Buffer = FS->getBufferForFile(Path);
    if (!Buffer) {
      Why = "cannot read '" + Path + "'";
      break;
    }
    llvm::StringRef Data = (*Buffer)->getBuffer();
    Prepared.Job.Files.push_back({Path, Data.size(), compress(Data)});
  }
  if (!Why.empty())
    return runLocally(std::move(Prepared), std::move(Why));
  return Prepared;
}
