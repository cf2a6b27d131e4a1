//===- LocalServer/Sources/SourcesMode.cpp - The sources mode -------------===//

#include "LocalServer/Sources/SourcesMode.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

using namespace clang::dist;

void SourcesMode::beforeSend(const CompileJob &Job, llvm::StringRef MainFile) {
  // Spelled as the worker's compile spells it.
  llvm::SmallString<256> Main(MainFile);
  llvm::sys::fs::make_absolute(Job.WorkingDir, Main);
  Book.refresh(Main);
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
  return Book.answer(Ask);
}

llvm::Expected<Blobs> SourcesMode::contents(const NeedBlobs &Need) {
  return Book.contents(Need);
}

llvm::Expected<std::vector<const GivenAnswer *>>
SourcesMode::consulted(llvm::ArrayRef<uint32_t> Indices) {
  return Book.consulted(Indices);
}
