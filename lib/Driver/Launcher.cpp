//===- Driver/Launcher.cpp - clang-dist COMPILER ARGS... ------------------===//

#include "Driver/Launcher.h"
#include "Driver/ClientOptions.h"
#include "clang/Driver/Types.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <vector>

using namespace clang::dist;

namespace {

/// Whether clang would read \p Arg as an option or an input.
bool isClangArgument(llvm::StringRef Arg) {
  if (Arg.empty() || Arg.startswith("-") || Arg.startswith("@"))
    return true;
  llvm::StringRef Name = llvm::sys::path::filename(Arg);
  llvm::StringRef Extension = llvm::sys::path::extension(Name);
  if (!Extension.empty() &&
      clang::driver::types::lookupTypeForExtension(Extension.drop_front()) !=
          clang::driver::types::TY_INVALID)
    return true;
  // libfoo.so, libfoo.so.1.2: executable files, as a linker writes them.
  if (Extension == ".so" || Name.contains(".so."))
    return true;
  // A bare name is an input if the working directory has it, as it is for
  // clang; a compiler is looked up on PATH.
  return !Arg.contains('/') && llvm::sys::fs::exists(Arg);
}

bool sameFile(llvm::StringRef A, llvm::StringRef B) {
  llvm::SmallString<256> RealA, RealB;
  return !llvm::sys::fs::real_path(A, RealA) &&
         !llvm::sys::fs::real_path(B, RealB) && RealA == RealB;
}

} // namespace

std::optional<LaunchedCompiler>
clang::dist::findLaunchedCompiler(llvm::ArrayRef<const char *> Args,
                                  llvm::StringRef EmbeddedClang) {
  size_t I = 1;
  while (I < Args.size()) {
    size_t Span = clientOptionSpan(Args, I);
    if (!Span)
      break;
    I += Span;
  }
  if (I >= Args.size() || isClangArgument(Args[I]))
    return std::nullopt;

  llvm::StringRef Name = Args[I];
  std::string Path = Name.str();
  if (!Name.contains('/')) {
    llvm::ErrorOr<std::string> OnPath = llvm::sys::findProgramByName(Name);
    if (!OnPath)
      return std::nullopt;
    Path = *OnPath;
  }
  if (!llvm::sys::fs::can_execute(Path))
    return std::nullopt;
  std::string Self = llvm::sys::fs::getMainExecutable(
      Args[0], reinterpret_cast<void *>(&findLaunchedCompiler));
  bool Embedded = sameFile(Path, EmbeddedClang) || sameFile(Path, Self);
  return LaunchedCompiler{I, std::move(Path), Embedded};
}

llvm::Error clang::dist::execCompiler(const LaunchedCompiler &Compiler,
                                      llvm::ArrayRef<const char *> Args) {
  // argv[0] as given, as a shell passes it: gcc finds its own programs
  // from it.
  std::vector<char *> Argv;
  for (const char *Arg : Args.drop_front(Compiler.Index))
    Argv.push_back(const_cast<char *>(Arg));
  Argv.push_back(nullptr);
  ::execv(Compiler.Path.c_str(), Argv.data());
  int Errno = errno;
  return llvm::createStringError(
      std::error_code(Errno, std::generic_category()), "cannot run '%s': %s",
      Compiler.Path.c_str(), std::strerror(Errno));
}
