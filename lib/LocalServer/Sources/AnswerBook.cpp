//===- LocalServer/Sources/AnswerBook.cpp - What workers were told --------===//

#include "LocalServer/Sources/AnswerBook.h"
#include "Protocol/Errors.h"
#include "llvm/Support/Path.h"

using namespace clang::dist;

AnswerCheck
clang::dist::checkAnswers(SharedFileCache &Cache, ChangeWatch &Watch,
                          llvm::ArrayRef<const GivenAnswer *> Answers) {
  std::vector<ChangeWatch::WatchedPath> Paths;
  Paths.reserve(Answers.size());
  for (const GivenAnswer *G : Answers)
    Paths.push_back({G->Path, G->Watched});
  std::vector<bool> MayHaveChanged = Watch.mayHaveChanged(Paths);
  // One view for all: it stats each directory once.
  OpenedFiles Opened;
  auto View = Cache.viewFor("/", &Opened);
  AnswerCheck Check;
  for (size_t I = 0; I != Answers.size(); ++I) {
    const GivenAnswer &G = *Answers[I];
    // The compile saw a moment's failure, not the path: it runs again, with
    // the path answered anew.
    if (G.Transient) {
      Check.Outcome = AnswerCheck::Verdict::Changed;
      Check.Transient |= Check.Paths.empty();
      Check.Paths.push_back(G.Path);
      continue;
    }
    if (G.Info.Kind == PathInfo::PathKind::Unavailable)
      return {AnswerCheck::Verdict::Unavailable, {G.Path}};
    if (MayHaveChanged[I] &&
        !(lookUpPath(*View, Opened, G.Path).Info == G.Info)) {
      Check.Outcome = AnswerCheck::Verdict::Changed;
      Check.Paths.push_back(G.Path);
    }
  }
  return Check;
}

llvm::Error clang::dist::checkLookupPath(llvm::StringRef Path) {
  if (!llvm::sys::path::is_absolute(Path) || Path.contains('\0'))
    return protocolError("Lookup of a path that is not absolute: '" + Path +
                         "'");
  return llvm::Error::success();
}

llvm::Expected<LookupReply> AnswerBook::answer(const Lookup &Ask) {
  if (llvm::Error E = checkLookupPath(Ask.Path))
    return E;
  if (Given.size() == std::numeric_limits<uint32_t>::max())
    return protocolError("too many Lookups");
  if (!View || ViewJob != Ask.Id) {
    ViewJob = Ask.Id;
    ViewMade = Watch.now();
    ViewOpened = OpenedFiles();
    View = Cache.viewFor("/", &ViewOpened);
  }
  write(Ask.Path, *View, ViewOpened, ViewMade);
  LookupReply Reply;
  Reply.Id = Ask.Id;
  Reply.Index = static_cast<uint32_t>(Given.size() - 1);
  Reply.Info = Given.back().Info;
  return Reply;
}

void AnswerBook::reanswer(llvm::StringRef Path) {
  ChangeWatch::Generation Made = Watch.now();
  OpenedFiles Opened;
  write(std::string(Path), *Cache.viewFor("/", &Opened), Opened, Made);
}

void AnswerBook::refresh(llvm::StringRef Path) {
  auto It = Latest.find(Path);
  if (It == Latest.end())
    return;
  const GivenAnswer &Last = Given[It->second];
  if (!Watch.mayHaveChanged({{Last.Path, Last.Watched}}).front())
    return;
  ChangeWatch::Generation Made = Watch.now();
  OpenedFiles Opened;
  auto View = Cache.viewFor("/", &Opened);
  if (!(lookUpPath(*View, Opened, Last.Path).Info == Last.Info))
    write(std::string(Path), *View, Opened, Made);
}

void AnswerBook::write(const std::string &Path, llvm::vfs::FileSystem &From,
                       OpenedFiles &Opened, ChangeWatch::Generation ViewMade) {
  // Watched first, so that a change after this is seen. The view may answer
  // from a directory's listing it read since it was made: the answer holds
  // from then on only.
  ChangeWatch::Generation Since = Watch.watch(Path);
  if (Since)
    Since = std::min(Since, ViewMade);
  PathLookup A = lookUpPath(From, Opened, Path);
  if (A.Contents)
    Contents.try_emplace(A.Info.Digest, A.Contents);
  Latest[Path] = static_cast<uint32_t>(Given.size());
  Given.push_back({Path, A.Info, Since, A.Transient});
}

Answers AnswerBook::since(size_t Start) const {
  Answers M;
  for (size_t I = Start; I < Given.size(); ++I)
    M.Entries.push_back(
        {static_cast<uint32_t>(I), Given[I].Path, Given[I].Info});
  return M;
}

llvm::Expected<Blobs> AnswerBook::contents(const NeedBlobs &Need) const {
  Blobs Reply;
  Reply.Id = Need.Id;
  for (const ContentDigest &D : Need.Digests) {
    auto It = Contents.find(D);
    if (It == Contents.end())
      return protocolError("worker asked for contents " + toHex(D) +
                           ", of no file it was told of");
    Reply.Contents.push_back(
        {D, It->second->bytes().size(), It->second->compressed()});
  }
  return Reply;
}

llvm::Expected<std::vector<const GivenAnswer *>>
AnswerBook::consulted(llvm::ArrayRef<uint32_t> Indices) const {
  std::vector<const GivenAnswer *> Answers;
  Answers.reserve(Indices.size());
  std::vector<bool> Seen(Given.size());
  for (uint32_t I : Indices) {
    if (I >= Given.size() || Seen[I])
      return protocolError("result names answer " + llvm::Twine(I) +
                           ", which was not given or is named twice");
    Seen[I] = true;
    Answers.push_back(&Given[I]);
  }
  return Answers;
}
