//===- ResultCache/Key.h - What a cached result is keyed on -----*- C++ -*-===//
//
// A compile is a function of its arguments and of what its file system
// answered: each question it asks depends only on the answers before it. So
// a result is keyed on two things. The job key covers everything known
// before the compile: clang-dist's and clang's versions, the cc1 arguments,
// the working directory, and in the preprocessed mode the text the worker
// compiles. The inputs are every path the compile looked at and what it
// found: a file's contents (digest), a directory, nothing, and which paths
// were one file. A later job with the same job key whose paths all show the
// same now would ask the same questions and get the same answers, so it
// would produce the same result, byte for byte. docs/CACHE.md says why each
// part is there.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_RESULTCACHE_KEY_H
#define CLANG_DIST_RESULTCACHE_KEY_H

#include "Protocol/Messages.h"
#include "llvm/ADT/ArrayRef.h"
#include <string>
#include <vector>

namespace clang::dist {

/// What the key keeps of what a compile found at one path: its kind and a
/// file's contents. Times and permissions are not kept: a compile whose
/// output shows a time is not cached (Cacheability::TimeMacro).
struct InputState {
  PathInfo::PathKind Kind = PathInfo::PathKind::Missing;
  /// File: of the contents.
  ContentDigest Digest{};
  friend bool operator==(const InputState &, const InputState &) = default;
};

/// Every path one compile looked at, sorted by path, each once, with what it
/// found there, and which paths were one file or directory: clang treats two
/// paths of one file as one (#pragma once, include guards).
struct InputSet {
  std::vector<std::string> Paths;
  std::vector<InputState> States;
  /// File, Directory: the index of the first path with the same device and
  /// inode (its own index if none before it has); 0 for the others.
  std::vector<uint32_t> SameAs;
};

/// Whether paths of kind \p K have an identity that InputSet::SameAs
/// compares.
bool hasIdentity(PathInfo::PathKind K);

/// The set \p Inputs describes. Only files, directories, missing paths and
/// paths under a file may be in it (a compile that met anything else is not
/// cached).
InputSet describeInputs(llvm::ArrayRef<CompileInput> Inputs);

/// The job key of \p Job, compiled by \p ClangVersion
/// (clang::getClangFullVersion()). The sources and local files modes share
/// keys: their compiles are the same.
ContentDigest jobKey(const CompileJob &Job, llvm::StringRef ClangVersion);

/// The key of the result of the compile of job \p Job that looked at \p Set.
ContentDigest resultKey(const ContentDigest &Job, const InputSet &Set);

} // namespace clang::dist

#endif
