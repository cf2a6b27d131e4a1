//===- LocalServer/SourceScan.h - The sources mode --------------*- C++ -*-===//
//
// Finds every file and directory a compile looks at with a preprocessing of
// the dependency directives alone (clang's dependency scanner minimizes each
// file once, however many translation units include it) over the shared file
// cache, and lists them in a manifest: path as the client sees it, content
// digest, and which paths are one file. The slave compiles from exactly
// these files at exactly these paths, so that everything a path or a byte of
// a header shows up in (__FILE__, diagnostics, DWARF 5 checksums, the
// dependency file) is what the local compile makes of it.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_SOURCESCAN_H
#define CLANG_DIST_LOCALSERVER_SOURCESCAN_H

#include "LocalServer/JobPreparation.h"
#include "clang/Frontend/CompilerInvocation.h"

namespace clang::dist {

/// Fills \p Prepared.Job with the manifest and \p Prepared.Contents with what
/// it names. \p ExtraInputs are files the compile reads besides those the
/// preprocessor opens. Returns why the job must run locally, or "".
std::string scanSources(CompilerInvocation Inv, const SubmitJob &Submit,
                        llvm::ArrayRef<std::string> ExtraInputs,
                        SharedFileCache &Cache, PreparedJob &Prepared);

} // namespace clang::dist

#endif
