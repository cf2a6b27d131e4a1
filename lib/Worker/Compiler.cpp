//===- Worker/Compiler.cpp - One compile job, in process ------------------===//
//
// Mirrors clang's cc1_main and ExecuteCompilerInvocation, with three changes:
// it runs only the jobs a local server sends (Policy/Distributable.h); the
// input and every file it reads come from the job or the client, not the
// disk (unless the worker shares the client's disk); and the outputs go to
// memory, or to the worker's temporary files and back.
//
//===----------------------------------------------------------------------===//

#include "Worker/Compiler.h"
#include "Policy/Distributable.h"
#include "Protocol/Compression.h"
#include "Worker/RecordingFileSystem.h"
#include "Worker/TimeMacroWatch.h"
#include "clang/Basic/DiagnosticLex.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Frontend/TextDiagnosticBuffer.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "clang/FrontendTool/Utils.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang;
using namespace clang::dist;

void clang::dist::initializeCompiler() {
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();
  llvm::InitializeAllAsmParsers();
}

namespace {

CompileResult failure(uint64_t Id, std::string Diagnostics) {
  CompileResult R;
  R.Id = Id;
  R.ExitCode = 1;
  R.Diagnostics = std::move(Diagnostics);
  return R;
}

/// A job no local server sends (Policy/Distributable.h): its server runs it
/// on the client instead.
CompileResult refusal(uint64_t Id, const std::string &Why) {
  CompileResult R =
      failure(Id, "error: clang-dist-worker refuses the job: " + Why + "\n");
  R.Refused = true;
  return R;
}

/// A preprocessed job's files at their absolute paths under the
/// client's working directory; nothing else exists for the compile. A
/// LocalFiles job sees the disk, which is the client's.
llvm::Expected<llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>>
buildFileSystem(const CompileJob &Job) {
  if (Job.Mode == DistributionMode::LocalFiles) {
    // Its own working directory: the process's is shared by nobody's job.
    llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> Disk(
        llvm::vfs::createPhysicalFileSystem().release());
    if (std::error_code EC = Disk->setCurrentWorkingDirectory(Job.WorkingDir))
      return llvm::createStringError(EC, "bad working directory '%s'",
                                     Job.WorkingDir.c_str());
    return Disk;
  }
  auto FS = llvm::makeIntrusiveRefCnt<llvm::vfs::InMemoryFileSystem>();
  if (std::error_code EC = FS->setCurrentWorkingDirectory(Job.WorkingDir))
    return llvm::createStringError(EC, "bad working directory '%s'",
                                   Job.WorkingDir.c_str());
  for (const FileBlob &Blob : Job.Files) {
    llvm::Expected<std::string> Content =
        decompress(Blob.Compressed, Blob.RawSize);
    if (!Content)
      return Content.takeError();
    llvm::SmallString<256> Path(Blob.Path);
    if (std::error_code EC = FS->makeAbsolute(Path))
      return llvm::createStringError(EC, "bad path '%s'", Blob.Path.c_str());
    FS->addFile(Path, /*ModificationTime=*/0,
                llvm::MemoryBuffer::getMemBufferCopy(*Content, Path));
  }
  return llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>(std::move(FS));
}

} // namespace

/// A path of our own for an output LLVM or clang writes only to a path; the
/// file's contents travel back, and it is removed. The compile creates the
/// file, so that one it did not write (a dependency file after a missing
/// header) is not there to be sent.
class TemporaryOutput {
public:
  ~TemporaryOutput() {
    if (!Path.empty())
      llvm::sys::fs::remove(Path);
  }
  void choose(llvm::StringRef Suffix) {
    llvm::SmallString<128> Model;
    llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, Model);
    llvm::sys::path::append(Model, "clang-dist-worker-%%%%%%%%%%%%." + Suffix);
    llvm::sys::fs::createUniquePath(Model, Path, /*MakeAbsolute=*/false);
  }
  std::string path() const { return std::string(Path); }
  llvm::Error collect(OutputKind Kind, std::vector<OutputBlob> &Outputs) {
    if (Path.empty() || !llvm::sys::fs::exists(Path))
      return llvm::Error::success();
    auto Data = llvm::MemoryBuffer::getFile(Path);
    if (!Data)
      return llvm::createStringError(Data.getError(), "cannot read '%s': %s",
                                     Path.c_str(),
                                     Data.getError().message().c_str());
    llvm::StringRef Bytes = (*Data)->getBuffer();
    Outputs.push_back({Kind, Bytes.size(), compress(Bytes)});
    return llvm::Error::success();
  }

private:
  llvm::SmallString<128> Path;
};

CompileResult clang::dist::compile(
    const CompileJob &Job,
    llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> ClientFiles,
    bool LocalFilesAllowed) {
  CompileResult Result;
  if (Job.Args.empty() || Job.Args[0] != "-cc1")
    return refusal(Job.Id, "not a cc1 command");
  if (Job.Mode == DistributionMode::LocalFiles && !LocalFilesAllowed)
    return refusal(Job.Id,
                   "it would read this machine's files (clang-dist-worker "
                   "was started without --local-files)");

  std::vector<const char *> Argv;
  for (const std::string &A : llvm::ArrayRef(Job.Args).drop_front())
    Argv.push_back(A.c_str());

  // Declared before the compiler instance, which may hold a stream into it.
  llvm::SmallString<0> Object;
  // As cc1_main does: buffer the diagnostics of argument parsing until the
  // real diagnostic client exists.
  auto Clang = std::make_unique<CompilerInstance>();
  llvm::IntrusiveRefCntPtr<DiagnosticIDs> DiagIDs(new DiagnosticIDs());
  llvm::IntrusiveRefCntPtr<DiagnosticOptions> ParseDiagOpts(
      new DiagnosticOptions());
  auto *ParseBuffer = new TextDiagnosticBuffer;
  DiagnosticsEngine ParseDiags(DiagIDs, &*ParseDiagOpts, ParseBuffer);
  bool Parsed = CompilerInvocation::CreateFromArgs(Clang->getInvocation(), Argv,
                                                   ParseDiags, "clang");
  CompilerInvocation &Inv = Clang->getInvocation();
  // Exactly what a local server sends, nothing else: code from the network
  // must not load code into the worker, write where it should not, or change
  // the process for later jobs. (Arguments clang rejects are the client's
  // clang's to report.)
  if (!Parsed || ParseDiags.hasErrorOccurred())
    return refusal(Job.Id, "clang rejects its arguments");
  bool LocalFiles = Job.Mode == DistributionMode::LocalFiles;
  if (std::string Why = whyNotDistributable(Argv, Inv, LocalFiles);
      !Why.empty())
    return refusal(Job.Id, Why);
  // What only a worker on the client's disk runs reads a file past the
  // compile's file system, unrecorded.
  bool ReadsOtherFiles =
      LocalFiles &&
      !whyNotDistributable(Argv, Inv, /*SharesDisk=*/false).empty();
  uint64_t Declared = 0;
  for (const FileBlob &Blob : Job.Files)
    if ((Declared += std::min(Blob.RawSize, JobInputBudget + 1)) >
        JobInputBudget)
      return refusal(Job.Id,
                     llvm::formatv("its files declare more than the {0} "
                                   "bytes one job may read",
                                   JobInputBudget)
                         .str());
  // Only now: a refused job's files are not even decompressed.
  auto FS =
      Job.Mode == DistributionMode::Sources
          ? llvm::Expected<llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>>(
                std::move(ClientFiles))
          : buildFileSystem(Job);
  if (!FS)
    return failure(Job.Id, "error: " + llvm::toString(FS.takeError()) + "\n");
  llvm::IntrusiveRefCntPtr<RecordingFileSystem> Recording;
  if (LocalFiles)
    *FS = Recording = llvm::makeIntrusiveRefCnt<RecordingFileSystem>(*FS);

  FrontendOptions &FrontendOpts = Inv.getFrontendOpts();
  // A long-lived compiler must free what it allocates.
  FrontendOpts.DisableFree = false;
  bool Rewritten = Job.Mode == DistributionMode::Preprocessed;
  // Preprocessed mode: the local server writes the dependency file, and the
  // rewritten source already holds the -include'd files.
  if (Rewritten) {
    Inv.getDependencyOutputOpts() = DependencyOutputOptions();
    Inv.getPreprocessorOpts().Includes.clear();
    Inv.getPreprocessorOpts().MacroIncludes.clear();
  }
  // The compile unit's file is the rewritten source here, whose MD5 would
  // stand beside the line markers' files (which have none) and so list the
  // main file twice. With no MD5 anywhere, the DWARF 5 line table differs from
  // a local one only by the checksums it lacks. CodeView keeps any hash kind.
  if (Rewritten && !Inv.getCodeGenOpts().EmitCodeView)
    Inv.getCodeGenOpts().setDebugSrcHash(CodeGenOptions::DSH_SHA256);

  std::string Diagnostics;
  llvm::raw_string_ostream DiagOS(Diagnostics);
  DiagnosticOptions &DiagOpts = Inv.getDiagnosticOpts();
  DiagOS.enable_colors(DiagOpts.ShowColors);
  auto *Printer = new TextDiagnosticPrinter(DiagOS, &DiagOpts);
  Clang->createDiagnostics(Printer, /*ShouldOwnClient=*/true);
  // The rewritten source is full of GNU line markers of the server's making;
  // a job whose own source has them is compiled on its client instead.
  if (Rewritten)
    Clang->getDiagnostics().setSeverity(diag::ext_pp_gnu_line_directive,
                                        diag::Severity::Ignored,
                                        SourceLocation());
  Clang->setVerboseOutputStream(DiagOS);
  ParseBuffer->FlushDiagnostics(Clang->getDiagnostics());

  bool Success = false;
  // -gsplit-dwarf: LLVM writes the .dwo to a path, not a stream; clang writes
  // the dependency file to a path too. The object still names the .dwo as
  // the client does (-split-dwarf-file).
  TemporaryOutput Dwo, Deps;
  CodeGenOptions &CodeGen = Inv.getCodeGenOpts();
  DependencyOutputOptions &DepOpts = Inv.getDependencyOutputOpts();
  for (auto [Out, Path, Suffix] :
       {std::tuple(&Dwo, &CodeGen.SplitDwarfOutput, "dwo"),
        std::tuple(&Deps, &DepOpts.OutputFile, "d")}) {
    if (Path->empty())
      continue;
    Out->choose(Suffix);
    *Path = Out->path();
  }
  Clang->createFileManager(*FS);
  Clang->setOutputStream(std::make_unique<llvm::raw_svector_ostream>(Object));

  if (!FrontendOpts.LLVMArgs.empty()) {
    const char *LLVMArgv[] = {"clang (LLVM option parsing)",
                              DriverLLVMArg.data()};
    llvm::cl::ParseCommandLineOptions(2, LLVMArgv);
  }
  bool ExpandedTimeMacro = false;
  if (!Clang->getDiagnostics().hasErrorOccurred()) {
    if (std::unique_ptr<FrontendAction> Act = CreateFrontendAction(*Clang)) {
      TimeMacroWatch Watch(std::move(Act));
      Success = Clang->ExecuteAction(Watch);
      ExpandedTimeMacro = Watch.expandedTimeMacro();
    }
  }
  if (ExpandedTimeMacro) {
    Result.Caching = Cacheability::TimeMacro;
  } else if (ReadsOtherFiles) {
    Result.Caching = Cacheability::ReadsOtherFiles;
  } else if (Recording) {
    // Digests what the compile only looked at: no use for a result that is
    // not kept.
    std::vector<CompileInput> Inputs = Recording->takeInputs();
    if (Recording->unrecorded())
      Result.Caching = Cacheability::UnrecordedInput;
    else
      Result.Inputs = std::move(Inputs);
  }
  // clang keeps the dependency file of a failed compile, as it wrote it.
  if (Success)
    Result.Outputs.push_back(
        {OutputKind::Primary, Object.size(), compress(Object)});
  for (auto [Out, Kind] : {std::pair(&Dwo, OutputKind::SplitDwarf),
                           std::pair(&Deps, OutputKind::Dependencies)})
    if (Success || Kind == OutputKind::Dependencies)
      if (llvm::Error E = Out->collect(Kind, Result.Outputs))
        return failure(Job.Id, "error: " + llvm::toString(std::move(E)) + "\n");
  Clang->getDiagnosticClient().finish();
  DiagOS.flush();

  Result.Id = Job.Id;
  Result.ExitCode = Success ? 0 : 1;
  Result.Diagnostics = std::move(Diagnostics);
  return Result;
}
