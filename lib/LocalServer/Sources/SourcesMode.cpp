//===- LocalServer/Sources/SourcesMode.cpp - The sources mode -------------===//

#include "LocalServer/Sources/SourcesMode.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

using namespace clang::dist;

void SourcesMode::beforeSend(const CompileJob &Job, llvm::StringRef MainFile,
                             const ReadableRoots &Roots) {
  // Spelled as the worker's compile spells it.
  llvm::SmallString<256> Main(MainFile);
  llvm::sys::fs::make_absolute(Job.WorkingDir, Main);
  Book.refresh(Main);
  if (Jobs.count(Job.Id))
    return;
  ReadableRoots All = Roots;
  All.insert(All.end(), Shared.begin(), Shared.end());
  Jobs[Job.Id].Readable = Judge.scope(All);
}

std::optional<std::string> SourcesMode::refusedPath(uint64_t Id) const {
  auto It = Jobs.find(Id);
  if (It == Jobs.end() || It->second.Refused.empty())
    return std::nullopt;
  return It->second.Refused;
}

AnswerCheck SourcesMode::check(llvm::ArrayRef<const GivenAnswer *> Consulted) {
  return checkAnswers(Cache, Watch, Consulted);
}

void SourcesMode::reanswer(llvm::ArrayRef<std::string> Paths) {
  for (const std::string &Path : Paths)
    Book.reanswer(Path);
}

std::optional<Answers> SourcesMode::answersSince(size_t &Told) {
  if (Told == Book.size())
    return std::nullopt;
  Answers News = Book.since(Told);
  Told = Book.size();
  return News;
}

llvm::Expected<LookupReply> SourcesMode::lookup(const Lookup &Ask) {
  if (llvm::Error E = checkLookupPath(Ask.Path))
    return E;
  // A path answered before, for a job that could read it, is no secret: every
  // worker has that answer, or gets it with its next job.
  auto It = Jobs.find(Ask.Id);
  if (Book.answered(Ask.Path) ||
      (It != Jobs.end() && Judge.allows(It->second.Readable, Ask.Path)))
    return Book.answer(Ask);
  // The same reply whether the path exists or not; a job gone (cancelled)
  // has nothing left to read.
  if (It != Jobs.end() && It->second.Refused.empty())
    It->second.Refused = Ask.Path;
  LookupReply Refused;
  Refused.Id = Ask.Id;
  Refused.Info.Kind = PathInfo::PathKind::Refused;
  return Refused;
}

llvm::Expected<Blobs> SourcesMode::contents(const NeedBlobs &Need) {
  return Book.contents(Need);
}

llvm::Expected<std::vector<const GivenAnswer *>>
SourcesMode::consulted(llvm::ArrayRef<uint32_t> Indices) {
  return Book.consulted(Indices);
}
