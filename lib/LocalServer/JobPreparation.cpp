//===- LocalServer/JobPreparation.cpp - Turn a cc1 job into a CompileJob --===//

#include "LocalServer/JobPreparation.h"
#include "LocalServer/Preprocessed/RewriteIncludes.h"
#include "Policy/Distributable.h"
#include "Protocol/Compression.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Driver/Options.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Lex/HeaderSearchOptions.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "llvm/Option/ArgList.h"
#include "llvm/Support/Path.h"

using namespace clang;
using namespace clang::dist;

namespace {

/// Files other than the source that the compile reads through its file
/// system. (Those clang reads from the disk itself keep the job on the
/// client: Policy/WorkerOptions.def.)
std::vector<std::string> auxiliaryInputs(const CompilerInvocation &Inv) {
  std::vector<std::string> Files = Inv.getLangOpts()->NoSanitizeFiles;
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

/// Where the compile of \p Inv, run in \p WorkingDir, may read in the
/// sources mode (ReadablePaths.h): each directory of the include search
/// path, the resource directory, the source's directory, the working
/// directory, and the files the options name.
ReadableRoots readableRoots(const CompilerInvocation &Inv,
                            llvm::StringRef WorkingDir,
                            llvm::StringRef MainFile) {
  ReadableRoots Roots;
  auto Add = [&](llvm::StringRef Path) {
    if (!Path.empty())
      Roots.push_back(absolute(WorkingDir, Path));
  };
  Add(WorkingDir);
  if (!MainFile.empty())
    Add(llvm::sys::path::parent_path(absolute(WorkingDir, MainFile)));
  const HeaderSearchOptions &Search = Inv.getHeaderSearchOpts();
  Add(Search.ResourceDir);
  llvm::StringRef Sysroot = Search.Sysroot;
  bool HasSysroot = !Sysroot.empty() && Sysroot != "/";
  // As clang's header search applies the sysroot (-I=DIR is resolved when
  // the arguments are parsed).
  for (const HeaderSearchOptions::Entry &E : Search.UserEntries) {
    if (HasSysroot && !E.IgnoreSysRoot && llvm::sys::path::is_absolute(E.Path))
      Add((Sysroot + E.Path).str());
    else
      Add(E.Path);
  }
  for (const std::string &File : Inv.getPreprocessorOpts().Includes)
    Add(File);
  for (const std::string &File : Inv.getPreprocessorOpts().MacroIncludes)
    Add(File);
  for (const std::string &File : auxiliaryInputs(Inv))
    Add(File);
  return Roots;
}

} // namespace

std::optional<OutputPaths> clang::dist::outputPaths(const SubmitJob &Submit) {
  if (Submit.Args.empty() || Submit.Args[0] != "-cc1")
    return std::nullopt;
  std::vector<const char *> Argv;
  for (const std::string &A : llvm::ArrayRef(Submit.Args).drop_front())
    Argv.push_back(A.c_str());
  unsigned MissingIndex, MissingCount;
  llvm::opt::InputArgList Args = driver::getDriverOptTable().ParseArgs(
      Argv, MissingIndex, MissingCount, driver::options::CC1Option);
  if (MissingCount)
    return std::nullopt;
  // As CompilerInvocation reads them: the last of each.
  OutputPaths Paths;
  Paths.Object =
      absolute(Submit.WorkingDir, Args.getLastArgValue(driver::options::OPT_o));
  for (auto [Option, Path] :
       {std::pair{driver::options::OPT_split_dwarf_output, &Paths.SplitDwarf},
        std::pair{driver::options::OPT_dependency_file, &Paths.Dependencies}}) {
    llvm::StringRef Value = Args.getLastArgValue(Option);
    if (!Value.empty())
      *Path = absolute(Submit.WorkingDir, Value);
  }
  return Paths;
}

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
  std::string Why = whyNotDistributable(
      Argv, Inv, /*SharesDisk=*/Mode == DistributionMode::LocalFiles);
  if (Why.empty() && Mode == DistributionMode::Preprocessed)
    Why = whyNotRewritable(Inv);
  if (!Why.empty())
    return runLocally(std::move(Prepared), std::move(Why));

  Prepared.Job.WorkingDir = Submit.WorkingDir;
  Prepared.Job.Args = Submit.Args;
  // They parsed just now.
  Prepared.Outputs = *outputPaths(Submit);

  // The worker reads what the compile reads: from the disk it shares with the
  // client, or by asking this server about each path (AnswerBook.h).
  if (Mode == DistributionMode::LocalFiles) {
    Prepared.Job.Mode = DistributionMode::LocalFiles;
    return Prepared;
  }
  if (Mode == DistributionMode::Sources) {
    Prepared.Job.Mode = DistributionMode::Sources;
    Prepared.Readable =
        readableRoots(Inv, Submit.WorkingDir, Prepared.MainFile);
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
