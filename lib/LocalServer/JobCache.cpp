//===- LocalServer/JobCache.cpp - The result cache, for jobs --------------===//

#include "LocalServer/JobCache.h"
#include "ResultCache/LocalStore.h"
#include "ResultCache/SharedStore.h"
#include "clang/Basic/Version.h"

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
  std::string Notice;
  llvm::Expected<std::string> Dir = resultCacheDirectory(Config);
  llvm::Expected<std::unique_ptr<LocalStore>> Opened =
      Dir ? LocalStore::open(*Dir, Config.CacheSize)
          : llvm::Expected<std::unique_ptr<LocalStore>>(Dir.takeError());
  if (Opened) {
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
  return std::unique_ptr<JobCache>(new JobCache(
      std::move(Local), std::move(Shared), Files, Log, std::move(Notice)));
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
    PathLookup Found = lookUpPath(View, Opened, Path);
    Now[I].reset();
    if (Found.Info.Kind == PathInfo::PathKind::Unavailable)
      continue;
    Now[I] = Found.Info;
    if (Since)
      Looked.push_back({std::move(Path), {Found.Info, Since}});
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
  std::vector<CompileInput> Inputs;
  if (Mode == DistributionMode::Sources)
    for (const GivenAnswer *Answer : Consulted)
      Inputs.push_back({Answer->Path, Answer->Info});
  const std::vector<CompileInput> &Read =
      Mode == DistributionMode::LocalFiles ? Result.Inputs : Inputs;
  Cache.insert(Key, describeInputs(Read),
               Mode == DistributionMode::Preprocessed, Result, Written);
  {
    std::lock_guard<std::mutex> Lock(InsertingMutex);
    if (auto It = Inserting.find(Key); It != Inserting.end() && !--It->second)
      Inserting.erase(It);
  }
  Inserted.notify_all();
}

std::optional<std::string> JobCache::takeNotice() {
  {
    std::lock_guard<std::mutex> Lock(NoticeMutex);
    if (!Notice.empty())
      return std::exchange(Notice, std::string());
  }
  return Cache.takeNotice();
}
