//===- ResultCache/ResultCache.h - Never compile a job twice ----*- C++ -*-===//
//
// The local server's result cache: the user's local store, and a team's
// shared one if the config names it. A lookup tries the local store, then the
// shared one; a hit from the shared store is kept locally too. A result is
// kept in both. Everything a store returns is checked (Seal.h) and every key
// is computed from what the disk shows now (Key.h), so a store can cost a
// miss, never a wrong result; a store that fails is a miss, never an error.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_RESULTCACHE_H
#define CLANG_DIST_RESULTCACHE_RESULTCACHE_H

#include "ResultCache/Entry.h"
#include "ResultCache/Key.h"
#include "ResultCache/Manifest.h"
#include "ResultCache/Store.h"
#include "Support/Log.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include <memory>

namespace clang::dist {

class ResultCache {
public:
  /// Either store may be null. Logs what it finds damaged to \p Log.
  ResultCache(std::unique_ptr<CacheStore> Local,
              std::unique_ptr<CacheStore> Shared, Logger &Log);
  ~ResultCache();

  struct Hit {
    Entry Result;
    /// From the shared store.
    bool Shared = false;
  };

  /// The result of the job with key \p Job, if a compile of it is cached
  /// whose every input \p Now describes as it was. \p InputsInKey: the job
  /// key covers all the compile reads (the preprocessed mode's text), so
  /// there are no inputs to look at. Blocks: call on the pool.
  std::optional<Hit> lookup(const ContentDigest &Job, bool InputsInKey,
                            DescribePaths Now);

  /// Keeps \p Result, a successful compile of the job with key \p Job that
  /// looked at \p Inputs (empty for \p InputsInKey), whose outputs were
  /// written as \p Written: the local store keeps those, the shared one
  /// \p Result's compressed outputs (Entry.h). Blocks.
  void insert(const ContentDigest &Job, const InputSet &Inputs,
              bool InputsInKey, const CompileResult &Result,
              llvm::ArrayRef<OutputBytes> Written);

  /// A warning for the user, once per trouble of a store, or std::nullopt.
  std::optional<std::string> takeNotice();

  /// Whether it has a store at all.
  bool active() const { return !Stores.empty(); }

private:
  void insertInto(CacheStore &Store, const ContentDigest &Job,
                  const InputSet &Inputs, bool InputsInKey,
                  llvm::StringRef Entry);

  /// The stores, the local one first.
  std::vector<std::unique_ptr<CacheStore>> Stores;
  bool HasLocal;
  Logger &Log;
};

} // namespace clang::dist

#endif
