//===- LocalServer/JobCache.h - The result cache, for jobs ------*- C++ -*-===//
//
// What the server's jobs need of the result cache (ResultCache/): a job's
// key, a lookup that compares what a compile found with what the disk shows
// now through the server's file cache (a path looked at once is not stat'ed
// again until inotify sees something happen to it), which results may be
// kept, and the
// inputs each mode knows of a compile: the sources mode the answers it used,
// the server's own worker what it recorded; the preprocessed mode's key
// holds its text.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_JOBCACHE_H
#define CLANG_DIST_LOCALSERVER_JOBCACHE_H

#include "Config/Config.h"
#include "LocalServer/ChangeWatch.h"
#include "LocalServer/FileCache.h"
#include "LocalServer/Sources/AnswerBook.h"
#include "ResultCache/DigestMemo.h"
#include "ResultCache/ResultCache.h"
#include <condition_variable>
#include <map>
#include <mutex>

namespace clang::dist {

class JobCache {
public:
  /// The cache \p Config asks for, or null with `cache off`. A local
  /// directory that cannot be used is logged, and the first job's client is
  /// told (takeNotice); the shared store, if any, is used alone, and with
  /// none the cache is not active.
  static std::unique_ptr<JobCache> open(const DistConfig &Config,
                                        SharedFileCache &Files, Logger &Log);
  /// Writes the file digests it learned (DigestMemo).
  ~JobCache();

  /// The key of \p Job, as prepared for its mode (the preprocessed mode's
  /// files included). Any thread.
  static ContentDigest key(const CompileJob &Job);

  /// The cached result of the job with key \p Key in \p Mode. Blocks: the
  /// pool.
  std::optional<ResultCache::Hit> lookup(const ContentDigest &Key,
                                         DistributionMode Mode);

  /// Why \p Result, of a job in \p Mode, must not be kept: "failed" or a
  /// cacheabilityName(); "" if it may be.
  static llvm::StringRef whyNotCacheable(const CompileResult &Result,
                                         DistributionMode Mode);

  /// Says that a result for \p Key is about to be kept (insert): until it
  /// is, a lookup of \p Key waits for it. A job that follows its twin at
  /// once (a second build started as the first ends) then finds its result,
  /// which the first job's client already has. Any thread.
  void willInsert(const ContentDigest &Key);

  /// Keeps \p Result, which a compile of the job with key \p Key in \p Mode
  /// made having used \p Consulted (the sources mode) or recorded its
  /// inputs (the server's own worker), and whose outputs were written as
  /// \p Written. Blocks: the pool.
  void insert(const ContentDigest &Key, DistributionMode Mode,
              llvm::ArrayRef<const GivenAnswer *> Consulted,
              const CompileResult &Result, llvm::ArrayRef<OutputBytes> Written);

  /// Whether jobs are looked up and kept.
  bool active() const { return Cache.active(); }

  /// A warning for the next job's client, once per trouble. Any thread.
  std::optional<std::string> takeNotice();

private:
  JobCache(std::unique_ptr<CacheStore> Local,
           std::unique_ptr<CacheStore> Shared,
           std::unique_ptr<DigestMemo> Digests, SharedFileCache &Files,
           Logger &Log, std::string Notice)
      : Cache(std::move(Local), std::move(Shared), Log),
        Digests(std::move(Digests)), Files(Files), Log(Log),
        Notice(std::move(Notice)) {}

  /// What each of \p Paths is now (DescribePaths), through \p View.
  std::vector<std::optional<PathInfo>>
  describe(llvm::ArrayRef<llvm::StringRef> Paths, llvm::vfs::FileSystem &View,
           OpenedFiles &Opened);
  /// What \p Path is now; std::nullopt if it cannot be told. A file whose
  /// stamp the memo knows is not read.
  std::optional<PathInfo> describePath(const std::string &Path,
                                       llvm::vfs::FileSystem &View,
                                       OpenedFiles &Opened);

  ResultCache Cache;
  /// With the local store only: its directory holds the memo.
  std::unique_ptr<DigestMemo> Digests;
  SharedFileCache &Files;
  Logger &Log;
  /// Keys with an insert to come, and how many.
  std::mutex InsertingMutex;
  std::condition_variable Inserted;
  std::map<ContentDigest, unsigned> Inserting;
  std::mutex NoticeMutex;
  std::string Notice;

  /// What each path was found to be, and from when on a change to it would
  /// have been seen: a C++ translation unit's inputs are a thousand paths,
  /// mostly the same headers for every job, and a stat each was most of a
  /// hit's cost.
  struct Seen {
    PathInfo Info;
    ChangeWatch::Generation Since = 0;
  };
  ChangeWatch Watch;
  std::mutex SeenMutex;
  llvm::StringMap<Seen> SeenPaths;
};

} // namespace clang::dist

#endif
