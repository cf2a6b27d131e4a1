//===- Config/ProgramPlaces.h - Where clang-dist's programs are -*- C++ -*-===//
//
// The client starts clang-dist-server, which starts clang-dist-worker. Each
// finds the next from its own real path (symlinks resolved, so that
// /usr/local/bin/cc -> /opt/cd/bin/clang-dist finds /opt/cd's server), never
// from a path built in: an installed tree works from any prefix, moved or
// unpacked anywhere. Two layouts are searched, in order: the build tree's,
// every program in one directory, and the installed one (docs/BUILD.md,
// "Installing"), clang-dist-server in libexec/clang-dist and the others in
// bin, as the install rules put them.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_CONFIG_PROGRAMPLACES_H
#define CLANG_DIST_CONFIG_PROGRAMPLACES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace clang::dist {

/// Where clang-dist-server may be for the client at \p Self (a real path),
/// in the order to try: beside it, then in the installed layout.
std::vector<std::string> serverProgramPlaces(llvm::StringRef Self);

/// Where clang-dist-worker may be for the server at \p Self, as above.
std::vector<std::string> workerProgramPlaces(llvm::StringRef Self);

/// No place holds the program: the user's installation is incomplete.
class ProgramMissing : public llvm::ErrorInfo<ProgramMissing> {
public:
  static char ID;
  explicit ProgramMissing(std::string Message) : Message(std::move(Message)) {}
  void log(llvm::raw_ostream &OS) const override { OS << Message; }
  std::error_code convertToErrorCode() const override {
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }

private:
  std::string Message;
};

/// The first of \p Places that is an executable file; else ProgramMissing,
/// naming every place looked at.
llvm::Expected<std::string> findProgram(llvm::ArrayRef<std::string> Places);

} // namespace clang::dist

#endif
