//===- LocalServer/Sources/SourcesMode.h - The sources mode -----*- C++ -*-===//
//
// Everything the sources mode keeps for a build, and the few steps the job
// flow takes with it: before a job goes out, its main file is answered anew
// if it changed; while it runs, the worker's questions are answered
// (SlotQuestions); when its result is back, the answers it used are
// checked, and those found untrue answered anew for the next attempt.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_SOURCES_SOURCESMODE_H
#define CLANG_DIST_LOCALSERVER_SOURCES_SOURCESMODE_H

#include "LocalServer/ChangeWatch.h"
#include "LocalServer/SlotQuestions.h"
#include "LocalServer/Sources/AnswerBook.h"

namespace clang::dist {

class SourcesMode final : public SlotQuestions {
public:
  explicit SourcesMode(SharedFileCache &Cache) : Cache(Cache) {}

  /// Before \p Job goes to a worker: configure scripts rewrite one source
  /// for every test they compile. Io thread.
  void beforeSend(const CompileJob &Job, llvm::StringRef MainFile);
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
  SharedFileCache &Cache;
  ChangeWatch Watch;
  AnswerBook Book{Cache, Watch};
};

} // namespace clang::dist

#endif
