//===- Config/ProgramPlaces.cpp - Where clang-dist's programs are ---------===//

#include "Config/ProgramPlaces.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace clang::dist;

char ProgramMissing::ID;

namespace {

/// \p Name beside \p Self, then in \p Installed, a directory relative to
/// Self's (from the install rules' GNUInstallDirs, top-level CMakeLists.txt).
std::vector<std::string> places(llvm::StringRef Self, llvm::StringRef Name,
                                llvm::StringRef Installed) {
  llvm::StringRef Dir = llvm::sys::path::parent_path(Self);
  llvm::SmallString<256> Beside(Dir);
  llvm::sys::path::append(Beside, Name);
  llvm::SmallString<256> Other(Dir);
  llvm::sys::path::append(Other, Installed, Name);
  // Self is a real path, so "dir/.." is its parent: the messages name the
  // directory itself.
  llvm::sys::path::remove_dots(Other, /*remove_dot_dot=*/true);
  return {std::string(Beside), std::string(Other)};
}

} // namespace

std::vector<std::string>
clang::dist::serverProgramPlaces(llvm::StringRef Self) {
  return places(Self, "clang-dist-server", CLANG_DIST_BIN_TO_LIBEXEC);
}

std::vector<std::string>
clang::dist::workerProgramPlaces(llvm::StringRef Self) {
  return places(Self, "clang-dist-worker", CLANG_DIST_LIBEXEC_TO_BIN);
}

llvm::Expected<std::string>
clang::dist::findProgram(llvm::ArrayRef<std::string> Places) {
  std::string Looked;
  for (const std::string &Place : Places) {
    if (llvm::sys::fs::is_regular_file(Place) &&
        llvm::sys::fs::can_execute(Place))
      return Place;
    if (!Looked.empty())
      Looked += " nor in ";
    Looked += "'" + llvm::sys::path::parent_path(Place).str() + "'";
  }
  llvm::StringRef Name =
      Places.empty() ? "" : llvm::sys::path::filename(Places.front());
  return llvm::make_error<ProgramMissing>("there is no " + Name.str() + " in " +
                                          Looked);
}
