//===- Policy/Distributable.h - What a worker may run -----------*- C++ -*-===//
//
// One policy for both ends: the local server sends a worker only the jobs it
// allows, and a worker runs only those, so that a job either compiles the
// same on both or stays on the client. A worker that is sent anything else
// refuses it (CompileResult::Refused), and its server then runs the job on
// the client instead of failing the build.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_POLICY_DISTRIBUTABLE_H
#define CLANG_DIST_POLICY_DISTRIBUTABLE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <string>

namespace clang {
class CompilerInvocation;
} // namespace clang

namespace clang::dist {

/// The one -mllvm option a worker runs: the driver adds it to every job, and
/// setting it again changes nothing. Any other would change global state for
/// every later job of the worker's process.
inline constexpr llvm::StringLiteral DriverLLVMArg =
    "-treat-scalable-fixed-error-as-warning";

/// Why the cc1 job \p Args (without the leading "-cc1"), which clang parsed
/// into \p Inv, must run on the client; "" when a worker may run it. A worker
/// may run exactly the jobs whose every option WorkerOptions.def lists, that
/// generate code for one C, C++ or Objective-C source file into outputs the
/// worker sends back, and that print nothing but diagnostics. \p SharesDisk:
/// the worker reads the client's disk (DistributionMode::LocalFiles), so
/// options that make clang read a file past the compile's file system are
/// allowed. Safe to call from many threads at once.
std::string whyNotDistributable(llvm::ArrayRef<const char *> Args,
                                const CompilerInvocation &Inv, bool SharesDisk);

} // namespace clang::dist

#endif
