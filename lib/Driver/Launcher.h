//===- Driver/Launcher.h - clang-dist COMPILER ARGS... ----------*- C++ -*-===//
//
// The form build tools use to put a program in front of a compiler: CMake's
// CMAKE_<LANG>_COMPILER_LAUNCHER and ccache's CCACHE_PREFIX run
// `clang-dist [clang-dist options] COMPILER ARGS...`, for compiles and (ccache)
// links alike. A COMPILER that is the clang-16 clang-dist embeds, by any of
// its names, or clang-dist itself, becomes clang-dist in the driver mode its
// name implies; any other compiler (gcc, another clang) runs unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_LAUNCHER_H
#define CLANG_DIST_DRIVER_LAUNCHER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <optional>
#include <string>

namespace clang::dist {

struct LaunchedCompiler {
  /// Where COMPILER is in the arguments.
  size_t Index;
  /// The file it names (found on PATH if it has no slash).
  std::string Path;
  /// Whether that is \p EmbeddedClang or clang-dist itself.
  bool IsEmbeddedClang;
};

/// Finds COMPILER in \p Args (Args[0] is clang-dist): the first argument
/// after clang-dist's own options, if it is no input clang would take
/// (an option, a response file, a file of a type clang knows, a shared
/// library, a bare name of a file in the working directory) and names an
/// executable file.
std::optional<LaunchedCompiler>
findLaunchedCompiler(llvm::ArrayRef<const char *> Args,
                     llvm::StringRef EmbeddedClang);

/// Replaces this process with \p Compiler (execv), which gets the arguments
/// after it unchanged: it runs as if clang-dist were not there. Returns only
/// if that fails.
llvm::Error execCompiler(const LaunchedCompiler &Compiler,
                         llvm::ArrayRef<const char *> Args);

} // namespace clang::dist

#endif
