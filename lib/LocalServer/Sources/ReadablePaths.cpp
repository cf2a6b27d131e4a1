//===- LocalServer/Sources/ReadablePaths.cpp - What a job may read --------===//

#include "LocalServer/Sources/ReadablePaths.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Path.h"
#include <climits>
#include <cstdlib>
#include <sys/stat.h>

using namespace clang::dist;
namespace path = llvm::sys::path;

bool clang::dist::isWithin(llvm::StringRef Path, llvm::StringRef Root) {
  if (!Path.startswith(Root))
    return false;
  return Path.size() == Root.size() || Root.endswith("/") ||
         Path[Root.size()] == '/';
}

std::string clang::dist::lexicallyNormal(llvm::StringRef Path) {
  llvm::SmallString<256> Normal(Path);
  path::remove_dots(Normal, /*remove_dot_dot=*/true);
  return std::string(Normal);
}

namespace {

/// Whether \p Path is inside one of \p Roots or on the way to one.
bool touches(llvm::StringRef Path, const std::vector<std::string> &Roots) {
  for (const std::string &Root : Roots)
    if (isWithin(Path, Root) || isWithin(Root, Path))
      return true;
  return false;
}

} // namespace

std::optional<std::string> PathJudge::resolve(llvm::StringRef Path) {
  llvm::SmallString<256> Real("/");
  // Real exists, and is a real path: no link in it.
  bool Exists = true;
  for (auto It = path::begin(Path), End = path::end(Path); It != End; ++It) {
    llvm::StringRef Name = *It;
    if (Name == "/" || Name == ".")
      continue;
    if (Name == "..") {
      // Of a real directory, its real parent; past what exists the kernel
      // finds nothing, and the spelling is judged.
      path::remove_filename(Real);
      if (Real.empty())
        Real = "/";
      continue;
    }
    path::append(Real, Name);
    if (!Exists)
      continue;
    auto Met = Known.find(Real);
    if (Met != Known.end()) {
      if (!Met->second.empty())
        Real = Met->second;
      continue;
    }
    struct stat St;
    if (::lstat(Real.c_str(), &St) != 0) {
      Exists = false;
      continue;
    }
    if (S_ISDIR(St.st_mode)) {
      Known.try_emplace(Real);
      continue;
    }
    if (!S_ISLNK(St.st_mode))
      continue;
    char Target[PATH_MAX];
    if (!::realpath(Real.c_str(), Target))
      return std::nullopt;
    Known.try_emplace(Real, Target);
    Real = Target;
  }
  return std::string(Real);
}

PathJudge::Scope PathJudge::scope(const ReadableRoots &Roots) {
  Scope S;
  for (const std::string &Root : Roots) {
    S.Spelled.push_back(lexicallyNormal(Root));
    if (std::optional<std::string> Real = resolve(Root))
      S.Real.push_back(std::move(*Real));
  }
  return S;
}

bool PathJudge::allows(const Scope &S, llvm::StringRef Path) {
  // Outside as spelled: refused before the disk is asked anything.
  std::string Spelled = lexicallyNormal(Path);
  if (!touches(Spelled, S.Spelled) && !touches(Spelled, S.Real))
    return false;
  std::optional<std::string> Real = resolve(Path);
  return Real && touches(*Real, S.Real);
}
