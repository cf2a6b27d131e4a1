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

/// Where a job's outputs go, absolute.
struct OutputPaths {
  /// -o: the object, bitcode or assembly.
  std::string Object;
  /// The .dwo file (-gsplit-dwarf), or empty.
  std::string SplitDwarf;
  /// The dependency file, or empty.
  std::string Dependencies;
};

/// Where the cc1 job \p Submit writes its outputs, read from its arguments
/// with clang's option table alone: a result cache hit needs nothing else of
/// a CompilerInvocation, whose making was a tenth of a hit's CPU.
/// std::nullopt if the arguments do not parse.
std::optional<OutputPaths> outputPaths(const SubmitJob &Submit);

struct PreparedJob {
  /// The source file as the client named it, for the log; empty if the
  /// arguments did not parse.
  std::string MainFile;
  /// Non-empty when the client must run the job itself; says why.
  std::string RunLocallyReason;
  CompileJob Job;
  OutputPaths Outputs;
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
