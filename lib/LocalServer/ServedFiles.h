//===- LocalServer/ServedFiles.h - What a slave was told of the files -*- C++
//-*-===//
//
// The sources mode scans nothing on the client. A slave's compile asks the
// server what each path it looks at is (Lookup), once per connection, and
// keeps the answers for the connection's later jobs. The server answers from
// the shared file cache and keeps every answer it gave. A result names the
// answers its compile used; its outputs are kept only if each of them is
// still true of the disk (the same kind, identity, size, modification time
// and contents). The compile is a function of those answers, so it is then
// the compile a local clang would run now, however stale the slave's copy of
// an answer was. An answer that became untrue is forgotten with the
// connections that were given it: the server connects to those slots again
// and the job runs again.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_SERVEDFILES_H
#define CLANG_DIST_LOCALSERVER_SERVEDFILES_H

#include "LocalServer/FileCache.h"
#include "Protocol/Messages.h"
#include <map>
#include <memory>

namespace clang::dist {

/// One answer given to a slave.
struct GivenAnswer {
  std::string Path;
  PathInfo Info;
};

/// What the answers a compile used say now.
struct AnswerCheck {
  enum class Verdict {
    /// Every answer still holds.
    True,
    /// One no longer does (Path): the job runs again.
    Changed,
    /// The compile looked at a path a slave cannot be given (Path): the job
    /// runs locally.
    Unavailable,
  };
  Verdict Outcome = Verdict::True;
  std::string Path;
};

/// Checks \p Answers against the disk, through \p Cache. Any thread.
AnswerCheck checkAnswers(SharedFileCache &Cache,
                         llvm::ArrayRef<GivenAnswer> Answers);

/// The answers given on one connection to a slave. One thread at a time.
class ServedFiles {
public:
  explicit ServedFiles(SharedFileCache &Cache) : Cache(Cache) {}

  /// Answers a Lookup and keeps the answer; an error for a path that is not
  /// absolute or holds a NUL byte.
  llvm::Expected<LookupReply> answer(const Lookup &Ask);
  /// The contents asked for, which must be of files this connection was told
  /// of.
  llvm::Expected<Blobs> contents(const NeedBlobs &Need) const;
  /// The answers at \p Indices, copied: the connection's record grows with
  /// the next job while these are checked. An error for an index never given
  /// or given twice.
  llvm::Expected<std::vector<GivenAnswer>>
  consulted(llvm::ArrayRef<uint32_t> Indices) const;
  /// Whether an answer about \p Path was given.
  bool answered(llvm::StringRef Path) const;
  /// The connection is gone, and with it the slave's copy of the answers.
  void clear();

private:
  SharedFileCache &Cache;
  std::vector<GivenAnswer> Given;
  std::map<ContentDigest, std::shared_ptr<FileContents>> Contents;
};

} // namespace clang::dist

#endif
