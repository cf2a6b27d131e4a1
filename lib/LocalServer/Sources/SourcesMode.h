//===- LocalServer/Sources/SourcesMode.h - The sources mode -----*- C++ -*-===//
//
// Everything the sources mode keeps for a build, and the few steps the job
// flow takes with it: before a job goes out, its main file is answered anew
// if it changed, and what it may read is noted (ReadablePaths.h); while it
// runs, the worker's questions are answered (SlotQuestions), or refused for a
// path the job may not read; when its result is back, a job that was refused
// an answer runs on the client, and the answers a compile used are checked,
// those found untrue answered anew for the next attempt.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_SOURCES_SOURCESMODE_H
#define CLANG_DIST_LOCALSERVER_SOURCES_SOURCESMODE_H

#include "LocalServer/ChangeWatch.h"
#include "LocalServer/SlotQuestions.h"
#include "LocalServer/Sources/AnswerBook.h"
#include "LocalServer/Sources/ReadablePaths.h"
#include <map>

namespace clang::dist {

class SourcesMode final : public SlotQuestions {
public:
  /// Every job may read \p Shared (the config's `share` lines) besides its
  /// own roots.
  SourcesMode(SharedFileCache &Cache, std::vector<std::string> Shared)
      : Cache(Cache), Shared(std::move(Shared)) {}

  /// Before \p Job goes to a worker: configure scripts rewrite one source
  /// for every test they compile. The first time, notes what the job may
  /// read: \p Roots and the shared paths. Io thread.
  void beforeSend(const CompileJob &Job, llvm::StringRef MainFile,
                  const ReadableRoots &Roots);
  /// The first path a worker asked about for job \p Id that it may not
  /// read, if any: the job then runs on the client. Io thread.
  std::optional<std::string> refusedPath(uint64_t Id) const;
  /// Job \p Id ended: its worker is answered no more. Io thread.
  void forget(uint64_t Id) { Jobs.erase(Id); }
  /// Whether the answers a compile used still hold. Any thread (the pool).
  AnswerCheck check(llvm::ArrayRef<const GivenAnswer *> Consulted);
  /// Answers \p Paths anew after a check found them changed: every worker
  /// gets the new answers with its next job. Io thread.
  void reanswer(llvm::ArrayRef<std::string> Paths);

  std::optional<Answers> answersSince(size_t &Told) override;
  llvm::Expected<LookupReply> lookup(const Lookup &Ask) override;
  llvm::Expected<Blobs> contents(const NeedBlobs &Need) override;
  llvm::Expected<std::vector<const GivenAnswer *>>
  consulted(llvm::ArrayRef<uint32_t> Indices) override;

private:
  struct JobScope {
    PathJudge::Scope Readable;
    /// The first path refused, or empty.
    std::string Refused;
  };

  SharedFileCache &Cache;
  std::vector<std::string> Shared;
  ChangeWatch Watch;
  AnswerBook Book{Cache, Watch};
  PathJudge Judge;
  /// The jobs sent and not yet ended, by id.
  std::map<uint64_t, JobScope> Jobs;
};

} // namespace clang::dist

#endif
