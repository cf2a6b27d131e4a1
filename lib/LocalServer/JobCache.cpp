//===- LocalServer/JobCache.cpp - The result cache, for jobs --------------===//

#include "LocalServer/JobCache.h"
#include "ResultCache/LocalStore.h"
#include "ResultCache/SharedStore.h"
#include "clang/Basic/Version.h"
#include "llvm/Support/FormatVariadic.h"
#include <sys/stat.h>

using namespace clang::dist;

namespace {
/// Paths remembered at most (some 200 bytes each): far more than a build of
/// Chromium looks at.
constexpr size_t MaxSeenPaths = 1u << 20;
} // namespace

std::unique_ptr<JobCache> JobCache::open(const DistConfig &Config,
                                         SharedFileCache &Files, Logger &Log) {
  if (!Config.Cache)
    return nullptr;
  std::unique_ptr<CacheStore> Local;
  std::unique_ptr<DigestMemo> Digests;
  std::string Notice;
  llvm::Expected<std::string> Dir = resultCacheDirectory(Config);
  llvm::Expected<std::unique_ptr<LocalStore>> Opened =
      Dir ? LocalStore::open(*Dir, Config.CacheSize)
          : llvm::Expected<std::unique_ptr<LocalStore>>(Dir.takeError());
  if (Opened) {
    Digests =
        std::make_unique<DigestMemo>((*Opened)->directory() + "/digests", Log);
    Local = std::move(*Opened);
  } else {
    Notice = "no local result cache: " + llvm::toString(Opened.takeError());
    Log.log(Notice);
  }
  std::unique_ptr<CacheStore> Shared;
  if (Config.SharedCache) {
    SharedStore::Options Opts;
    if (Config.Secret)
      Opts.SigningKey = Config.Secret->cacheKey();
    Shared = std::make_unique<SharedStore>(*Config.SharedCache, Log, Opts);
  }
  return std::unique_ptr<JobCache>(
      new JobCache(std::move(Local), std::move(Shared), std::move(Digests),
                   Files, Log, std::move(Notice)));
}

JobCache::~JobCache() {
  if (!Digests)
    return;
  Digests->save();
  DigestMemo::Counts C = Digests->counts();
  if (C.Reused || C.Learned)
    Log.log(llvm::formatv("result cache: file digests: {0} reused, {1} "
                          "computed and kept ({2} read from the file)",
                          C.Reused, C.Learned, C.Loaded));
}

ContentDigest JobCache::key(const CompileJob &Job) {
  return jobKey(Job, clang::getClangFullVersion());
}

std::optional<ResultCache::Hit> JobCache::lookup(const ContentDigest &Key,
                                                 DistributionMode Mode) {
  {
    // The insert is under way on another thread of the pool: the task that
    // marked it goes on to it without waiting for anything. Its stores have
    // deadlines of their own; this one only bounds the wait.
    std::unique_lock<std::mutex> Lock(InsertingMutex);
    Inserted.wait_for(Lock, std::chrono::seconds(10),
                      [&] { return !Inserting.count(Key); });
  }
  // One view for the lookup: it stats each directory once.
  OpenedFiles Opened;
  auto View = Files.viewFor("/", &Opened);
  return Cache.lookup(Key, Mode == DistributionMode::Preprocessed,
                      [&](llvm::ArrayRef<llvm::StringRef> Paths) {
                        return describe(Paths, *View, Opened);
                      });
}

std::vector<std::optional<PathInfo>>
JobCache::describe(llvm::ArrayRef<llvm::StringRef> Paths,
                   llvm::vfs::FileSystem &View, OpenedFiles &Opened) {
  std::vector<ChangeWatch::WatchedPath> Before(Paths.size());
  std::vector<std::optional<PathInfo>> Now(Paths.size());
  {
    std::lock_guard<std::mutex> Lock(SeenMutex);
    for (size_t I = 0; I != Paths.size(); ++I) {
      Before[I].Path = Paths[I];
      if (auto It = SeenPaths.find(Paths[I]); It != SeenPaths.end()) {
        Before[I].Since = It->second.Since;
        Now[I] = It->second.Info;
      }
    }
  }
  // One look at inotify's events for all of them.
  std::vector<bool> Changed = Watch.mayHaveChanged(Before);
  std::vector<std::pair<std::string, Seen>> Looked;
  for (size_t I = 0; I != Paths.size(); ++I) {
    if (!Changed[I])
      continue;
    std::string Path = Paths[I].str();
    // Watched before it is looked at: a change in between is seen next
    // time. ChangeWatch takes no path with empty components.
    ChangeWatch::Generation Since =
        Paths[I].contains("//") ? 0 : Watch.watch(Path);
    Now[I] = describePath(Path, View, Opened);
    if (Now[I] && Since)
      Looked.push_back({std::move(Path), {*Now[I], Since}});
  }
  if (!Looked.empty()) {
    std::lock_guard<std::mutex> Lock(SeenMutex);
    if (SeenPaths.size() + Looked.size() > MaxSeenPaths)
      SeenPaths.clear();
    for (auto &[Path, Entry] : Looked)
      SeenPaths[Path] = std::move(Entry);
  }
  return Now;
}

std::optional<PathInfo> JobCache::describePath(const std::string &Path,
                                               llvm::vfs::FileSystem &View,
                                               OpenedFiles &Opened) {
  struct stat St;
  if (Digests && ::stat(Path.c_str(), &St) == 0 && S_ISREG(St.st_mode))
    if (std::optional<ContentDigest> D = Digests->find(Path, stampOf(St))) {
      // As lookUpPath describes the file.
      PathInfo Info;
      Info.Kind = PathInfo::PathKind::File;
      Info.Device = St.st_dev;
      Info.Inode = St.st_ino;
      Info.Size = St.st_size;
      Info.ModificationTime = stampOf(St).ModificationTime.count();
      Info.Permissions = St.st_mode & llvm::sys::fs::all_perms;
      Info.Digest = *D;
      return Info;
    }
  PathLookup Found = lookUpPath(View, Opened, Path);
  if (Found.Info.Kind == PathInfo::PathKind::Unavailable)
    return std::nullopt;
  // A network file system's stat may answer from a stale cache, where its
  // open would not: its files are read again by each server.
  if (Digests && Found.Contents && Found.Contents->settledStamp() &&
      isLocalFileSystem(Path.c_str()))
    Digests->learn(Path, *Found.Contents->settledStamp(), Found.Info.Digest);
  return Found.Info;
}

llvm::StringRef JobCache::whyNotCacheable(const CompileResult &Result,
                                          DistributionMode Mode) {
  if (Result.ExitCode != 0)
    return "failed";
  if (Result.Caching != Cacheability::Cacheable)
    return cacheabilityName(Result.Caching);
  // A compile reads its source at least: a worker that recorded nothing
  // recorded too little, and an entry with no inputs would match any disk.
  if (Mode == DistributionMode::LocalFiles && Result.Inputs.empty())
    return cacheabilityName(Cacheability::UnrecordedInput);
  for (const CompileInput &In : Result.Inputs)
    if (In.Info.Kind == PathInfo::PathKind::Unavailable)
      return cacheabilityName(Cacheability::UnrecordedInput);
  return "";
}

void JobCache::willInsert(const ContentDigest &Key) {
  std::lock_guard<std::mutex> Lock(InsertingMutex);
  ++Inserting[Key];
}

void JobCache::insert(const ContentDigest &Key, DistributionMode Mode,
                      llvm::ArrayRef<const GivenAnswer *> Consulted,
                      const CompileResult &Result,
                      llvm::ArrayRef<OutputBytes> Written) {
  std::vector<CompileInput> Answered;
  if (Mode == DistributionMode::Sources)
    for (const GivenAnswer *Answer : Consulted)
      Answered.push_back({Answer->Path, Answer->Info});
  const std::vector<CompileInput> &Read =
      Mode == DistributionMode::LocalFiles ? Result.Inputs : Answered;
  InputSet Inputs = describeInputs(Read);
  Cache.insert(Key, Inputs, Mode == DistributionMode::Preprocessed, Result,
               Written);
  {
    std::lock_guard<std::mutex> Lock(InsertingMutex);
    if (auto It = Inserting.find(Key); It != Inserting.end() && !--It->second)
      Inserting.erase(It);
  }
  Inserted.notify_all();
  // The next lookup of the job, perhaps by the next server (make clean and
  // build again), compares these paths with the disk: each looked at now,
  // once per server, leaves its digest in the memo and is not read again.
  if (!Digests || Inputs.Paths.empty())
    return;
  std::vector<llvm::StringRef> Paths(Inputs.Paths.begin(), Inputs.Paths.end());
  OpenedFiles Opened;
  auto View = Files.viewFor("/", &Opened);
  describe(Paths, *View, Opened);
}

std::optional<std::string> JobCache::takeNotice() {
  {
    std::lock_guard<std::mutex> Lock(NoticeMutex);
    if (!Notice.empty())
      return std::exchange(Notice, std::string());
  }
  return Cache.takeNotice();
}
