//===- LocalServer/OutputFiles.h - A remote compile's files -----*- C++ -*-===//
//
// A remote compile's outputs are written where the client's clang would have
// written them, as clang writes them: each whole or not at all, with the mode
// the client's umask gives a new file, and all of a job's or none.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_OUTPUTFILES_H
#define CLANG_DIST_LOCALSERVER_OUTPUTFILES_H

#include "LocalServer/JobPreparation.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

namespace clang::dist {

/// The job was cancelled while its outputs were stored: none is left.
class StoreCancelled : public llvm::ErrorInfo<StoreCancelled> {
public:
  static char ID;
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
};

/// \p Result's outputs as they are to be written, or a ProtocolError.
llvm::Expected<std::vector<OutputBytes>>
decompressOutputs(const CompileResult &Result);

/// Writes \p Outputs, of a compile that \p Failed or not, to \p Paths: the
/// dependency file and the .dwo first, so that the object, written last, is
/// never older than them and never refers to a .dwo that is not there yet.
/// \p ServerDependencies: the preprocessed mode's dependency file, which the
/// server made, not the worker. A failed compile leaves only its dependency
/// file, as clang does, and that only if clang wrote one. \p Cancelled is
/// asked before each file: a client killed meanwhile must find no object,
/// as after a killed clang. An error (a ProtocolError for outputs that do
/// not match the job, StoreCancelled, or one naming the file that could not
/// be written) leaves none of the files written.
llvm::Error storeOutputs(const OutputPaths &Paths,
                         const std::optional<std::string> &ServerDependencies,
                         bool Failed, llvm::ArrayRef<OutputBytes> Outputs,
                         uint32_t Umask, llvm::function_ref<bool()> Cancelled);

} // namespace clang::dist

#endif
