//===- ResultCache/Store.h - Where the result cache keeps values *- C++ -*-===//
//
// The result cache keeps two kinds of values by key: manifests (what the
// compiles of a job looked at) and entries (a compile's result). A store may
// lose any value at any time (evicted, overwritten by another server, a
// shared store that stopped answering): a value not found is a miss, and a
// value found is checked before it is used, so a store is trusted with
// nothing but speed.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_STORE_H
#define CLANG_DIST_RESULTCACHE_STORE_H

#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>

namespace clang::dist {

/// Values by key; keys are at least three characters of [0-9a-z]. Safe to
/// call from many threads at once.
class CacheStore {
public:
  virtual ~CacheStore() = default;
  /// \p Key's value, or std::nullopt if the store does not have it or cannot
  /// say now.
  virtual std::optional<std::string> load(llvm::StringRef Key) = 0;
  /// Keeps \p Value as \p Key's; a store that cannot keeps nothing.
  virtual void store(llvm::StringRef Key, llvm::StringRef Value) = 0;
  /// The caller found \p Key's value damaged.
  virtual void remove(llvm::StringRef Key) = 0;
  /// Once per trouble of the store's (a shared store that stopped
  /// answering), a sentence for the user; std::nullopt otherwise.
  virtual std::optional<std::string> takeNotice() { return std::nullopt; }
};

} // namespace clang::dist

#endif
