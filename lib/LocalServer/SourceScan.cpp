//===- LocalServer/SourceScan.cpp - The sources mode ----------------------===//

#include "LocalServer/SourceScan.h"
#include "LocalServer/CounterInCondition.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

using namespace clang;
using namespace clang::dist;

namespace {

/// Runs the preprocessor over the job's files as the compile would, on
/// dependency directives only when \p Minimized, and records in \p Log what
/// it looks at. Returns why that failed, or "".
std::string scan(const CompilerInvocation &Original, const SubmitJob &Submit,
                 SharedFileCache &Cache, bool Minimized, FileAccessLog &Log,
                 bool &CounterInIf) {
  auto Inv = std::make_shared<CompilerInvocation>(Original);
  Inv->getFrontendOpts().ProgramAction = frontend::RunPreprocessorOnly;
  Inv->getFrontendOpts().DisableFree = false;
  // The slave's compile writes the dependency file; the scan writes nothing.
  Inv->getDependencyOutputOpts() = DependencyOutputOptions();
  // The slave reports warnings. An error (#error, a missing header) is the
  // client's clang's to report, in its own words.
  Inv->getDiagnosticOpts().IgnoreWarnings = true;
  // Nothing is printed; clang 16's SARIF printer crashes unless it is.
  Inv->getDiagnosticOpts().setFormat(DiagnosticOptions::Clang);

  CompilerInstance Clang;
  Clang.setInvocation(std::move(Inv));
  IgnoringDiagConsumer Ignore;
  Clang.createDiagnostics(&Ignore, /*ShouldOwnClient=*/false);
  Clang.createFileManager(Cache.viewFor(Submit.WorkingDir, &Log));
  Clang.setVerboseOutputStream(std::make_unique<llvm::raw_null_ostream>());
  if (Minimized)
    Clang.getPreprocessorOpts().DependencyDirectivesForFile =
        [&Clang, &Log](FileEntryRef File)
        -> std::optional<ArrayRef<dependency_directives_scan::Directive>> {
      // The buffer the source manager lexes is one the cache handed out;
      // its directives are computed once for all translation units.
      auto Buffer =
          Clang.getSourceManager().getMemoryBufferForFileOrNone(File);
      if (!Buffer)
        return std::nullopt;
      auto It = Log.ByBuffer.find(Buffer->getBufferStart());
      if (It == Log.ByBuffer.end())
        return std::nullopt;
      return It->second->directives();
    };

  class ScanAction : public PreprocessOnlyAction {
  public:
    explicit ScanAction(bool &CounterInIf) : CounterInIf(CounterInIf) {}
    bool BeginSourceFileAction(CompilerInstance &CI) override {
      Preprocessor &PP = CI.getPreprocessor();
      PP.addPPCallbacks(std::make_unique<CounterInCondition>(PP, CounterInIf));
      return PreprocessOnlyAction::BeginSourceFileAction(CI);
    }

  private:
    bool &CounterInIf;
  } Action(CounterInIf);
  if (!Clang.ExecuteAction(Action) ||
      Clang.getDiagnostics().hasErrorOccurred())
    return "preprocessing failed";
  return "";
}

} // namespace

std::string clang::dist::scanSources(CompilerInvocation Inv,
                                     const SubmitJob &Submit,
                                     llvm::ArrayRef<std::string> ExtraInputs,
                                     SharedFileCache &Cache,
                                     PreparedJob &Prepared) {
  FileAccessLog Log;
  bool CounterInIf = false;
  if (std::string Why = scan(Inv, Submit, Cache, /*Minimized=*/true, Log,
                             CounterInIf);
      !Why.empty())
    return Why;
  // Directives alone do not advance __COUNTER__ as the code between them
  // does, nor run _Pragma operators in that code: where either could change
  // what gets included, the scan preprocesses everything.
  bool Exact = !CounterInIf;
  for (auto &[Path, A] : Log.Accesses)
    if (A.Contents && A.Contents->hasIncludeTimePragma())
      Exact = false;
  if (!Exact) {
    Log = FileAccessLog();
    if (std::string Why = scan(Inv, Submit, Cache, /*Minimized=*/false, Log,
                               CounterInIf);
        !Why.empty())
      return Why;
  }

  // Files the compile reads besides those the preprocessor opens, and those
  // only looked at (__has_include): the slave needs their contents too.
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> FS =
      Cache.viewFor(Submit.WorkingDir, &Log);
  std::vector<std::string> Unread(ExtraInputs.begin(), ExtraInputs.end());
  for (auto &[Path, A] : Log.Accesses)
    if (!A.Contents && !A.Status.isDirectory())
      Unread.push_back(Path);
  for (const std::string &Path : Unread)
    if (!FS->openFileForRead(Path))
      return "cannot read '" + Path + "'";

  std::vector<ManifestEntry> &Manifest = Prepared.Job.Manifest;
  // The slave's in-memory file system resolves "." and ".." textually; the
  // client's resolves ".." after a symbolic link where it points. A path
  // that means different files the two ways cannot be laid out.
  llvm::StringMap<llvm::sys::fs::UniqueID> ByNormalPath;
  std::map<llvm::sys::fs::UniqueID, uint32_t> FileIndex;
  for (auto &[Path, A] : Log.Accesses) {
    llvm::SmallString<256> Normal(Path);
    llvm::sys::path::remove_dots(Normal, /*remove_dot_dot=*/true);
    auto [It, New] = ByNormalPath.try_emplace(Normal, A.Status.getUniqueID());
    if (!New) {
      if (It->second != A.Status.getUniqueID())
        return "'" + Path + "' names another file than '" +
               std::string(Normal) + "'";
      continue;
    }
    ManifestEntry E;
    E.Path = Path;
    E.ModificationTime = llvm::sys::toTimeT(A.Status.getLastModificationTime());
    if (A.Status.isDirectory()) {
      E.Kind = ManifestEntry::EntryKind::Directory;
      Manifest.push_back(std::move(E));
      continue;
    }
    if (!A.Contents)
      return "'" + Path + "' is not a regular file";
    E.Kind = ManifestEntry::EntryKind::File;
    E.Digest = A.Contents->digest();
    E.Size = A.Contents->bytes().size();
    auto [Same, First] = FileIndex.try_emplace(
        A.Status.getUniqueID(), static_cast<uint32_t>(Manifest.size()));
    if (!First)
      E.SameAs = Same->second + 1;
    Prepared.Contents.try_emplace(E.Digest, A.Contents);
    Manifest.push_back(std::move(E));
  }
  Prepared.Job.Kind = SourceKind::Sources;
  return "";
}
