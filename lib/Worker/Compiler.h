//===- Worker/Compiler.h - One compile job, in process ----------*- C++ -*-===//
//
// Runs the cc1 job a local server sent, on the files the job carries, on the
// client's files as the server describes them (ClientFileSystem.h), or, for
// the local server's own worker, on the disk; and captures the object and
// exactly what clang -cc1 would have written to stderr.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_COMPILER_H
#define CLANG_DIST_WORKER_COMPILER_H

#include "Protocol/Messages.h"
#include "llvm/Support/VirtualFileSystem.h"

namespace clang::dist {

/// What one job may make the worker hold of its files, in all: a server (or
/// whoever speaks to a worker without a secret) must not make a slot
/// allocate what a peer merely declares. A translation unit that reads this
/// much is no compile a server sends; it runs on its client.
inline constexpr uint64_t JobInputBudget = 2ull << 30;

/// Registers targets; call once per process before compiling.
void initializeCompiler();

/// Never fails as a call: a job clang cannot run is a result with a non-zero
/// exit code and clang's own error text, and a job no local server sends
/// (Policy/Distributable.h) a refusal (CompileResult::Refused) that says why.
/// A Sources job reads \p ClientFiles. A LocalFiles job reads the disk, and
/// is refused unless \p LocalFilesAllowed (clang-dist-worker --local-files).
///
/// The result says whether the local server may keep it in its result cache
/// (CompileResult::Caching), the first of these that applies: TimeMacro (any
/// mode), ReadsOtherFiles (LocalFiles), UnrecordedInput (LocalFiles), else
/// Cacheable. A cacheable LocalFiles result lists every path its compile
/// looked at (CompileResult::Inputs; RecordingFileSystem.h); any other result
/// lists none.
CompileResult
compile(const CompileJob &Job,
        llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> ClientFiles,
        bool LocalFilesAllowed);

} // namespace clang::dist

#endif
