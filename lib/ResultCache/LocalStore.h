//===- ResultCache/LocalStore.h - The user's own cache ----------*- C++ -*-===//
//
// The local result cache: one directory per user (not per config), shared by
// every server of the user, held to a size by least-recently-used eviction
// (Support/DiskStore.h). Another user's directory, or one others may write
// to, is refused as the runtime directory is: an entry planted there would
// be linked into our programs.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_LOCALSTORE_H
#define CLANG_DIST_RESULTCACHE_LOCALSTORE_H

#include "ResultCache/Store.h"
#include "Support/DiskStore.h"

namespace clang::dist {

class LocalStore final : public CacheStore {
public:
  /// Opens \p Dir, creating it, to hold at most \p Limit bytes.
  static llvm::Expected<std::unique_ptr<LocalStore>> open(llvm::StringRef Dir,
                                                          uint64_t Limit);

  std::optional<std::string> load(llvm::StringRef Key) override;
  void store(llvm::StringRef Key, llvm::StringRef Value) override;
  void remove(llvm::StringRef Key) override;

  const std::string &directory() const { return Files.directory(); }

private:
  explicit LocalStore(DiskStore Files) : Files(std::move(Files)) {}
  DiskStore Files;
};

} // namespace clang::dist

#endif
