//===- LocalServer/Sources/ReadablePaths.h - What a job reads ---*- C++ -*-===//
//
// Least privilege in the sources mode. A worker asks the server what any path
// is, and a compile may look at any absolute path, so a server that answered
// every question would tell a worker what any file of the user is (~/.ssh
// included). Each job has readable roots instead, computed from its
// arguments when it is prepared: the include search path, the source's
// directory, the working directory, clang's resource directory, the files
// its options name, and the config's `share` lines. A path is answered for
// the job if it lies at or below one of them, or is a directory on the way to
// one (clang stats a file's directory); any other path is refused, and the
// job runs on the client.
//
// A path is judged by where it really is, not by its spelling: "root/../x"
// and a symbolic link under a root that points elsewhere are outside. Its
// spelling, without "." and "..", is checked first, and a path that is
// outside as spelled is refused without touching the disk; one that is inside
// is resolved as the kernel would (every symbolic link followed, each ".."
// taken from the real directory), as far as it exists, and its real location
// must be inside the real location of a root. So the reply to a path outside
// does not depend on whether it exists.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_SOURCES_READABLEPATHS_H
#define CLANG_DIST_LOCALSERVER_SOURCES_READABLEPATHS_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>
#include <vector>

namespace clang::dist {

/// A job's readable roots as its arguments and the config spell them,
/// absolute: a ".." after a link is the link target's parent, as for the
/// compile. Each covers itself and what is below it.
using ReadableRoots = std::vector<std::string>;

/// Whether \p Path is \p Root or below it, component by component ("/a/bc"
/// is not below "/a/b"). Both absolute, without "." or "..".
bool isWithin(llvm::StringRef Path, llvm::StringRef Root);

/// \p Path (absolute) without "." and "..", as spelled.
std::string lexicallyNormal(llvm::StringRef Path);

/// Judges paths by their real location. One per server, for its life; one
/// thread at a time (the io thread).
class PathJudge {
public:
  /// A job's roots as spelled and where they really are.
  struct Scope {
    std::vector<std::string> Spelled;
    std::vector<std::string> Real;
  };

  /// The scope of a job whose roots are \p Roots.
  Scope scope(const ReadableRoots &Roots);
  /// Whether a job of \p S may be told what \p Path (absolute, no NUL) is.
  bool allows(const Scope &S, llvm::StringRef Path);
  /// Where \p Path (absolute) really is: every symbolic link on the way
  /// followed and each ".." taken from the directory it is in, as the kernel
  /// resolves it; from the first component that does not exist on, as
  /// spelled, without "." and "..". None if a link on the way cannot be
  /// followed (dangling, a loop): such a path is never answered.
  std::optional<std::string> resolve(llvm::StringRef Path);

private:
  /// The directories and links met on the way so far, by real path: empty
  /// for a directory, a link's target for a link. Lookups come once per path
  /// and build, but all share their directories, so each path costs one
  /// lstat. (A directory replaced by a link later in the server's life is
  /// judged as it was; only the user can do that.)
  llvm::StringMap<std::string> Known;
};

} // namespace clang::dist

#endif
