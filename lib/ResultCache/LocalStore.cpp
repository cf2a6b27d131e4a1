//===- ResultCache/LocalStore.cpp - The user's own cache ------------------===//

#include "ResultCache/LocalStore.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace clang::dist;

llvm::Expected<std::unique_ptr<LocalStore>>
LocalStore::open(llvm::StringRef Dir, uint64_t Limit) {
  // ~/.cache may not exist yet; only the cache's own directory must be
  // private.
  if (std::error_code EC =
          llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Dir)))
    return llvm::createStringError(
        EC, "cannot create '%s': %s",
        llvm::sys::path::parent_path(Dir).str().c_str(), EC.message().c_str());
  llvm::Expected<DiskStore> Files =
      DiskStore::open(Dir, Limit, "result cache directory");
  if (!Files)
    return Files.takeError();
  return std::unique_ptr<LocalStore>(new LocalStore(std::move(*Files)));
}

std::optional<std::string> LocalStore::load(llvm::StringRef Key) {
  std::unique_ptr<llvm::MemoryBuffer> File = Files.load(Key);
  if (!File)
    return std::nullopt;
  return File->getBuffer().str();
}

void LocalStore::store(llvm::StringRef Key, llvm::StringRef Value) {
  // A full disk or a vanished directory costs the next build a miss, never
  // this one its object.
  llvm::consumeError(Files.store(Key, Value));
}

void LocalStore::remove(llvm::StringRef Key) { Files.remove(Key); }
