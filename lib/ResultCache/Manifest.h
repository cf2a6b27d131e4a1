//===- ResultCache/Manifest.h - What a job's compiles looked at -*- C++ -*-===//
//
// A job's manifest lists the input sets of its cached results, newest first:
// a lookup finds the set whose paths all show the same now, and from it the
// result's key. Sets of one job share most of their paths, so the manifest
// keeps each path and each state once and a set as indices into them. A
// manifest is only a guide: the key of a result is computed from what the
// lookup found on the disk (ResultCache/Key.h), so a damaged or forged
// manifest can cost a miss, never give a wrong result.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_MANIFEST_H
#define CLANG_DIST_RESULTCACHE_MANIFEST_H

#include "ResultCache/Key.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"
#include <optional>

namespace clang::dist {

/// What each of \p Paths is now, in their order; std::nullopt for a path
/// that cannot be told. Asked once per set with the paths no earlier set
/// had, so that a lookup can look at them all at once.
using DescribePaths = llvm::function_ref<std::vector<std::optional<PathInfo>>(
    llvm::ArrayRef<llvm::StringRef> Paths)>;

class Manifest {
public:
  /// Sets beyond this many, the oldest, are dropped: a header edited back
  /// and forth keeps its recent versions.
  static constexpr size_t MaxSets = 16;

  /// A manifest's value as the stores keep it (ResultCache/Seal.h), or an
  /// error saying what is wrong with \p Value.
  static llvm::Expected<Manifest> decode(llvm::StringRef Value);
  std::string encode() const;

  /// Puts \p Set first, replacing an equal set.
  void add(const InputSet &Set);

  /// The first set, newest first, whose every path \p Now describes with
  /// its state and identity; std::nullopt if none. \p Now is asked about
  /// each path at most once; a path it cannot describe matches nothing.
  std::optional<InputSet> match(DescribePaths Now) const;

  size_t sets() const { return Sets.size(); }

private:
  struct Element {
    uint32_t Path = 0;
    uint32_t State = 0;
    uint32_t SameAs = 0;
    friend bool operator==(const Element &, const Element &) = default;
  };
  InputSet expand(const std::vector<Element> &Set) const;

  std::vector<std::string> Paths;
  std::vector<InputState> States;
  std::vector<std::vector<Element>> Sets;
};

} // namespace clang::dist

#endif
