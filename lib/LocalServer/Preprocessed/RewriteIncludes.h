//===- LocalServer/Preprocessed/RewriteIncludes.h - Rewriting ---*- C++ -*-===//
//
// Preprocesses a job in process the way -frewrite-includes does (includes
// inlined, macros kept, so that the worker's diagnostics are clang's own) and
// writes its dependency file, as the local compile would have; and says
// which of a worker's diagnostics the rewritten source may have changed.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_REWRITEINCLUDES_H
#define CLANG_DIST_LOCALSERVER_REWRITEINCLUDES_H

#include "LocalServer/JobPreparation.h"

namespace clang {
// Only declared: the job runner asks about a result, and clang's Frontend
// headers cost each file that includes them ~30 s of compile time.
class CompilerInvocation;
} // namespace clang

namespace clang::dist {

/// Why the rewritten source could not stand for the files, or "": the job
/// is not distributed in this mode then.
std::string whyNotRewritable(const CompilerInvocation &Inv);

/// Fills \p Prepared.Job with the rewritten main file. Returns why the job
/// must run locally after all, or "".
std::string rewriteIncludes(CompilerInvocation Inv, const SubmitJob &Submit,
                            SharedFileCache &Cache, PreparedJob &Prepared);

/// Why the diagnostics a worker printed for the rewritten source may not be
/// clang-16's, or "": the job runs locally after all then.
std::string whyDiagnosticsDiffer(llvm::StringRef Diagnostics);

} // namespace clang::dist

#endif
