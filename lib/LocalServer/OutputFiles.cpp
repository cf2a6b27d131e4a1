//===- LocalServer/OutputFiles.cpp - A remote compile's files, stored -----===//

#include "LocalServer/OutputFiles.h"
#include "Protocol/Compression.h"
#include "Protocol/Errors.h"
#include "Support/AtomicFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang::dist;

char StoreCancelled::ID;

void StoreCancelled::log(llvm::raw_ostream &OS) const {
  OS << "the job was cancelled";
}

namespace {

llvm::Error cannotWrite(const std::string &Path, std::error_code EC) {
  return llvm::createStringError(EC, "cannot write '%s': %s", Path.c_str(),
                                 EC.message().c_str());
}

bool isSpecialFile(const std::string &Path) {
  llvm::sys::fs::file_status Status;
  return !llvm::sys::fs::status(Path, Status) &&
         llvm::sys::fs::exists(Status) &&
         !llvm::sys::fs::is_regular_file(Status);
}

/// As clang does, writes a special file (-o /dev/null, a pipe) in place:
/// renaming a new file over it would replace the device.
llvm::Error writeInPlace(const std::string &Path, llvm::StringRef Bytes) {
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC, llvm::sys::fs::OF_None);
  if (EC)
    return cannotWrite(Path, EC);
  OS << Bytes;
  OS.close();
  EC = OS.error();
  OS.clear_error();
  return EC ? cannotWrite(Path, EC) : llvm::Error::success();
}

} // namespace

llvm::Expected<std::vector<OutputBytes>>
clang::dist::decompressOutputs(const CompileResult &Result) {
  std::vector<OutputBytes> Outputs;
  for (const OutputBlob &B : Result.Outputs) {
    llvm::Expected<std::string> Bytes = decompress(B.Compressed, B.RawSize);
    if (!Bytes)
      return Bytes.takeError();
    Outputs.push_back({B.Kind, std::move(*Bytes)});
  }
  return Outputs;
}

llvm::Error
clang::dist::storeOutputs(const OutputPaths &Paths,
                          const std::optional<std::string> &ServerDependencies,
                          bool Failed, llvm::ArrayRef<OutputBytes> Outputs,
                          uint32_t Umask,
                          llvm::function_ref<bool()> Cancelled) {
  const std::string *PathOf[] = {&Paths.Dependencies, &Paths.SplitDwarf,
                                 &Paths.Object};
  const OutputKind Kinds[] = {OutputKind::Dependencies, OutputKind::SplitDwarf,
                              OutputKind::Primary};
  llvm::StringRef Contents[3];
  bool Have[3] = {ServerDependencies.has_value()};
  if (ServerDependencies)
    Contents[0] = *ServerDependencies;
  unsigned Expected = 0;
  for (unsigned I = 0; I != 3; ++I)
    Expected += !PathOf[I]->empty() && !Failed && !Have[I];
  unsigned Matched = 0;
  for (const OutputBytes &O : Outputs)
    for (unsigned I = 0; I != 3; ++I)
      if (O.Kind == Kinds[I] && !PathOf[I]->empty() && !Have[I] &&
          (!Failed || O.Kind == OutputKind::Dependencies)) {
        Contents[I] = O.Bytes;
        Have[I] = true;
        ++Matched;
      }
  if (Matched != Outputs.size() || (!Failed && Matched != Expected))
    return protocolError(llvm::formatv("worker sent {0} outputs, not the {1} "
                                       "expected",
                                       Outputs.size(), Expected));
  // All or none: the client's clang runs the job again after a failure (a
  // full disk), and must not find a dependency file this attempt wrote. Only
  // files renamed into place are removed again, never a device or a pipe.
  bool Replaced[3] = {};
  auto Undo = [&](llvm::Error E) {
    for (unsigned I = 0; I != 3; ++I)
      if (Replaced[I])
        llvm::sys::fs::remove(*PathOf[I]);
    return E;
  };
  // A cancel is looked for last thing before each file appears, after the
  // slow part (writing a large object).
  for (unsigned I = 0; I != 3; ++I) {
    if (!Have[I])
      continue;
    if (isSpecialFile(*PathOf[I])) {
      if (Cancelled())
        return Undo(llvm::make_error<StoreCancelled>());
      if (llvm::Error E = writeInPlace(*PathOf[I], Contents[I]))
        return Undo(std::move(E));
      continue;
    }
    llvm::Expected<AtomicFile> File =
        AtomicFile::create(*PathOf[I], 0666 & ~Umask);
    if (!File)
      return Undo(File.takeError());
    if (llvm::Error E = File->write(Contents[I]))
      return Undo(std::move(E));
    if (Cancelled())
      return Undo(llvm::make_error<StoreCancelled>());
    if (llvm::Error E = File->commit())
      return Undo(std::move(E));
    Replaced[I] = true;
  }
  return llvm::Error::success();
}
