//===- Driver/ClearCache.cpp - clang-dist --clear-cache -------------------===//

#include "Driver/ClearCache.h"
#include "Driver/ClientCommandLine.h"
#include "Support/DiskStore.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang::dist;

int clang::dist::clearCache(const DistConfig &Config) {
  llvm::Expected<std::string> Dir = resultCacheDirectory(Config);
  if (!Dir)
    return reportClientError(Dir.takeError());
  // Nothing to clear is no reason to create the directory.
  if (!llvm::sys::fs::exists(*Dir)) {
    llvm::outs() << "the result cache '" << *Dir << "' is empty\n";
    return 0;
  }
  llvm::Expected<DiskStore> Store =
      DiskStore::open(*Dir, Config.CacheSize, "result cache directory");
  if (!Store)
    return reportClientError(Store.takeError());
  llvm::Expected<DiskStore::Removed> Gone = Store->clear();
  if (!Gone)
    return reportClientError(Gone.takeError());
  llvm::outs() << llvm::formatv("cleared the result cache '{0}': {1} files, "
                                "{2} bytes\n",
                                *Dir, Gone->Files, Gone->Bytes);
  return 0;
}
