//===- Driver/ClientCommandLine.h - --help, --version, typos ----*- C++ -*-===//
//
// What clang-dist says about its own command line, around clang's answers:
// its help (the options of ClientOptions.def, the environment variables)
// before clang's --help, its version after clang's --version, whose text
// stays clang-16's from the first line on (Meson takes the first version
// number in it for the compiler's), and an error with a suggestion for a
// misspelled option of its own, which clang would call unsupported.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_CLIENTCOMMANDLINE_H
#define CLANG_DIST_DRIVER_CLIENTCOMMANDLINE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace clang::dist {

/// What clang-dist prints besides clang's driver.
enum class OwnOutput {
  None,
  /// clang prints its help: clang-dist's comes first.
  HelpFirst,
  /// clang prints its version: clang-dist's comes after.
  VersionAfter,
};

/// Decides for \p Args, the arguments clang's driver gets (clang-dist's
/// own taken out; Args[0] is the program). An error: an argument that is
/// neither clang's nor one of clang-dist's options, but close to one of
/// these ("unknown argument '--distributd'; did you mean '--distributed'?").
llvm::Expected<OwnOutput> ownOutput(llvm::ArrayRef<const char *> Args);

/// Prints \p E as clang-dist's own error ("clang-dist: error: ..."), under
/// whatever name it runs (clang-dist++, a launcher's COMPILER: clang's errors
/// are clang's), and returns the exit code 1.
int reportClientError(llvm::Error E);

void printClientHelp(llvm::raw_ostream &OS);
void printClientVersion(llvm::raw_ostream &OS);

} // namespace clang::dist

#endif
