//===- LocalServer/JobPreparation.h - A cc1 job, prepared -------*- C++ -*-===//
//
// Decides whether a job can run on a worker and, if so, makes the CompileJob
// of the configured mode: one preprocessed text (RewriteIncludes.h), or
// nothing but the arguments, for a worker that asks for the files the compile
// reads (AnswerBook.h) or, the server's own, reads them from the disk.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_JOBPREPARATION_H
#define CLANG_DIST_LOCALSERVER_JOBPREPARATION_H

#include "Config/Config.h"
#include "LocalServer/FileCache.h"
#include "LocalServer/Sources/ReadablePaths.h"
#include "Protocol/Messages.h"
#include <map>
#include <optional>
#include <string>

namespace clang::dist {

struct PreparedJob {
  /// The source file as the client named it, for the log; empty if the
  /// arguments did not parse.
  std::string MainFile;
  /// Non-empty when the client must run the job itself; says why.
  std::string RunLocallyReason;
  CompileJob Job;
  /// Absolute path of the object file to write.
  std::string ObjectPath;
  /// Absolute path of the .dwo file to write (-gsplit-dwarf), or empty.
  std::string SplitDwarfPath;
  /// Absolute path of the dependency file to write, or empty.
  std::string DependencyPath;
  /// Preprocessed mode: the dependency file, which the preprocessing makes
  /// (the sources mode's comes from the worker).
  std::optional<std::string> Dependencies;
  /// Sources mode: where the compile may read; a worker is told about no
  /// other path.
  ReadableRoots Readable;
};

/// Safe to call from many threads at once with one cache.
PreparedJob prepareJob(const SubmitJob &Submit, DistributionMode Mode,
                       SharedFileCache &Cache);

} // namespace clang::dist

#endif
