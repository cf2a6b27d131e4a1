//===- LocalServer/RewriteIncludes.h - The preprocessed mode ----*- C++ -*-===//
//
// Preprocesses a job in process the way -frewrite-includes does (includes
// inlined, macros kept, so that the slave's diagnostics are clang's own) and
// writes its dependency file, as the local compile would have.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_REWRITEINCLUDES_H
#define CLANG_DIST_LOCALSERVER_REWRITEINCLUDES_H

#include "LocalServer/JobPreparation.h"
#include "clang/Frontend/CompilerInvocation.h"

namespace clang::dist {

/// Why the rewritten source could not stand for the files, or "": the job
/// is not distributed in this mode then.
std::string whyNotRewritable(const CompilerInvocation &Inv);

/// Fills \p Prepared.Job with the rewritten main file. Returns why the job
/// must run locally after all, or "".
std::string rewriteIncludes(CompilerInvocation Inv, const SubmitJob &Submit,
                            SharedFileCache &Cache, PreparedJob &Prepared);

} // namespace clang::dist

#endif
