//===- LocalServer/Sources/AnswerBook.h - Told to workers -------*- C++ -*-===//
//
// The sources mode scans nothing on the client. A worker's compile asks the
// server what each path it looks at is (Lookup); the server answers from the
// shared file cache and writes every answer into one book for all workers.
// Before each job a worker gets the answers given since its last job, to it
// or to any other worker (Answers), so that it asks only about paths nobody
// asked about before. A result names the answers its compile used; its
// outputs are kept only if each of them is still true of the disk (the same
// kind, identity, size, modification time and contents). The compile is a
// function of those answers, so it is then the compile a local clang would
// run now, however old the answers were. An answer found untrue is answered
// anew, every worker gets the new answer with its next job, and the job runs
// again.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_ANSWERBOOK_H
#define CLANG_DIST_LOCALSERVER_ANSWERBOOK_H

#include "LocalServer/ChangeWatch.h"
#include "LocalServer/FileCache.h"
#include "Protocol/Messages.h"
#include "llvm/ADT/StringMap.h"
#include <deque>
#include <map>
#include <memory>

namespace clang::dist {

/// One answer given to a worker.
struct GivenAnswer {
  std::string Path;
  PathInfo Info;
  /// Since when a change to the path would have been seen (ChangeWatch.h).
  ChangeWatch::Generation Watched = 0;
  /// Unavailable because the server was out of descriptors or memory when
  /// it looked: a compile that used it runs again, with the path answered
  /// anew, so that a burst of clients never makes a path unavailable for
  /// the rest of the build.
  bool Transient = false;
};

/// What the answers a compile used say now.
struct AnswerCheck {
  enum class Verdict {
    /// Every answer still holds.
    True,
    /// Some no longer do (Paths): the job runs again.
    Changed,
    /// The compile looked at a path a worker cannot be given (Paths[0]): the
    /// job runs locally.
    Unavailable,
  };
  Verdict Outcome = Verdict::True;
  std::vector<std::string> Paths;
  /// Changed: Paths[0] was a moment's failure (GivenAnswer::Transient), not
  /// a change of the disk.
  bool Transient = false;
};

/// Checks \p Answers against the disk, through \p Cache: those \p Watch
/// saw something happen to since they were given. Any thread.
AnswerCheck checkAnswers(SharedFileCache &Cache, ChangeWatch &Watch,
                         llvm::ArrayRef<const GivenAnswer *> Answers);

/// An error for a path no compile asks about: not absolute, or with a NUL
/// byte.
llvm::Error checkLookupPath(llvm::StringRef Path);

/// Every answer the server gave, by index. One thread at a time (the io
/// thread).
class AnswerBook {
public:
  AnswerBook(SharedFileCache &Cache, ChangeWatch &Watch)
      : Cache(Cache), Watch(Watch) {}

  /// Answers a Lookup of job \p Ask.Id and writes the answer down; an error
  /// for a path that is not absolute or holds a NUL byte.
  llvm::Expected<LookupReply> answer(const Lookup &Ask);
  /// Whether some worker was told what \p Path is.
  bool answered(llvm::StringRef Path) const { return Latest.count(Path); }
  /// Answers \p Path anew, after a check found the last answer untrue.
  void reanswer(llvm::StringRef Path);
  /// Answers \p Path anew if something happened to it since the last
  /// answer: for the source of a job about to go out, which configure
  /// scripts rewrite for every test they compile.
  void refresh(llvm::StringRef Path);
  /// The answers from index \p Start on, for a worker that has those before.
  Answers since(size_t Start) const;
  size_t size() const { return Given.size(); }
  /// The contents asked for, which must be of files a worker was told of.
  llvm::Expected<Blobs> contents(const NeedBlobs &Need) const;
  /// The answers at \p Indices, for a check on another thread: an answer
  /// never changes, nor moves, once written. An error for an index never
  /// given or named twice.
  llvm::Expected<std::vector<const GivenAnswer *>>
  consulted(llvm::ArrayRef<uint32_t> Indices) const;

private:
  /// Looks \p Path up through \p From, a view made at \p ViewMade, and
  /// writes the answer down.
  void write(const std::string &Path, llvm::vfs::FileSystem &From,
             OpenedFiles &Opened, ChangeWatch::Generation ViewMade);

  SharedFileCache &Cache;
  ChangeWatch &Watch;
  /// The view one job's questions are answered through, as a local compile
  /// stats each directory once.
  uint64_t ViewJob = 0;
  ChangeWatch::Generation ViewMade = 0;
  OpenedFiles ViewOpened;
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> View;
  std::deque<GivenAnswer> Given;
  /// The index of the last answer about each path.
  llvm::StringMap<uint32_t> Latest;
  std::map<ContentDigest, std::shared_ptr<FileContents>> Contents;
};

} // namespace clang::dist

#endif
