//===- LocalServer/ServedFiles.cpp - What a slave was told of the files ---===//

#include "LocalServer/ServedFiles.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/Path.h"

using namespace clang::dist;

namespace {

struct Answer {
  PathInfo Info;
  std::shared_ptr<FileContents> Contents;
};

/// What \p Path is now, as \p View (with \p Log) sees it.
Answer lookUp(llvm::vfs::FileSystem &View, FileAccessLog &Log,
              const std::string &Path) {
  using Kind = PathInfo::PathKind;
  Answer A;
  // Of a directory, the compile uses only its identity: its times change
  // with every object the build writes into it.
  auto Describe = [&](const llvm::vfs::Status &St, Kind K) {
    A.Info.Kind = K;
    A.Info.Device = St.getUniqueID().getDevice();
    A.Info.Inode = St.getUniqueID().getFile();
    if (K == Kind::Directory)
      return;
    A.Info.ModificationTime =
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            St.getLastModificationTime().time_since_epoch())
            .count();
    A.Info.Permissions = St.getPermissions();
  };
  llvm::ErrorOr<llvm::vfs::Status> St = View.status(Path);
  if (!St) {
    A.Info.Kind =
        St.getError() == std::errc::no_such_file_or_directory ? Kind::Missing
        : St.getError() == std::errc::not_a_directory         ? Kind::NotADirectory
                                                              : Kind::Unavailable;
    return A;
  }
  if (St->isDirectory()) {
    Describe(*St, Kind::Directory);
    return A;
  }
  A.Info.Kind = Kind::Unavailable;
  if (!St->isRegularFile())
    return A;
  // The stamp and the contents of one read, whatever the stat above saw.
  auto File = View.openFileForRead(Path);
  if (!File)
    return A;
  llvm::ErrorOr<llvm::vfs::Status> Read = (*File)->status();
  auto It = Log.Accesses.find(Path);
  if (!Read || !Read->isRegularFile() || It == Log.Accesses.end() ||
      !It->second.Contents)
    return A;
  A.Contents = It->second.Contents;
  Describe(*Read, Kind::File);
  A.Info.Size = A.Contents->bytes().size();
  A.Info.Digest = A.Contents->digest();
  return A;
}

llvm::Error garbage(const llvm::Twine &Why) {
  return llvm::createStringError(
      std::make_error_code(std::errc::protocol_error), Why);
}

} // namespace

AnswerCheck clang::dist::checkAnswers(SharedFileCache &Cache,
                                      llvm::ArrayRef<GivenAnswer> Answers) {
  // One view for all: it stats each directory once.
  FileAccessLog Log;
  auto View = Cache.viewFor("/", &Log);
  AnswerCheck Check;
  for (const GivenAnswer &G : Answers) {
    if (G.Info.Kind == PathInfo::PathKind::Unavailable)
      return {AnswerCheck::Verdict::Unavailable, G.Path};
    if (!(lookUp(*View, Log, G.Path).Info == G.Info))
      Check = {AnswerCheck::Verdict::Changed, G.Path};
  }
  return Check;
}

llvm::Expected<LookupReply> ServedFiles::answer(const Lookup &Ask) {
  if (!llvm::sys::path::is_absolute(Ask.Path) ||
      Ask.Path.find('\0') != std::string::npos)
    return garbage("Lookup of a path that is not absolute: '" + Ask.Path +
                   "'");
  if (Given.size() == std::numeric_limits<uint32_t>::max())
    return garbage("too many Lookups on one connection");
  FileAccessLog Log;
  Answer A = lookUp(*Cache.viewFor("/", &Log), Log, Ask.Path);
  if (A.Contents)
    Contents.try_emplace(A.Info.Digest, A.Contents);
  LookupReply Reply;
  Reply.Id = Ask.Id;
  Reply.Index = static_cast<uint32_t>(Given.size());
  Reply.Info = A.Info;
  Given.push_back({Ask.Path, A.Info});
  return Reply;
}

llvm::Expected<Blobs> ServedFiles::contents(const NeedBlobs &Need) const {
  Blobs Reply;
  Reply.Id = Need.Id;
  for (const ContentDigest &D : Need.Digests) {
    auto It = Contents.find(D);
    if (It == Contents.end())
      return garbage("slave asked for contents " + toHex(D) +
                     ", of no file it was told of");
    Reply.Contents.push_back(
        {D, It->second->bytes().size(), It->second->compressed()});
  }
  return Reply;
}

llvm::Expected<std::vector<GivenAnswer>>
ServedFiles::consulted(llvm::ArrayRef<uint32_t> Indices) const {
  std::vector<GivenAnswer> Answers;
  Answers.reserve(Indices.size());
  std::vector<bool> Seen(Given.size());
  for (uint32_t I : Indices) {
    if (I >= Given.size() || Seen[I])
      return garbage("result names answer " + llvm::Twine(I) +
                     ", which was not given or is named twice");
    Seen[I] = true;
    Answers.push_back(Given[I]);
  }
  return Answers;
}

bool ServedFiles::answered(llvm::StringRef Path) const {
  return llvm::any_of(Given,
                      [&](const GivenAnswer &G) { return G.Path == Path; });
}

void ServedFiles::clear() {
  Given.clear();
  Contents.clear();
}
