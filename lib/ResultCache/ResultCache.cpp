//===- ResultCache/ResultCache.cpp - Never compile a job twice ------------===//

#include "ResultCache/ResultCache.h"
#include "ResultCache/Seal.h"

using namespace clang::dist;

ResultCache::ResultCache(std::unique_ptr<CacheStore> Local,
                         std::unique_ptr<CacheStore> Shared, Logger &Log)
    : Log(Log), HasLocal(Local != nullptr) {
  if (Local)
    Stores.push_back(std::move(Local));
  if (Shared)
    Stores.push_back(std::move(Shared));
}

ResultCache::~ResultCache() = default;

std::optional<ResultCache::Hit> ResultCache::lookup(const ContentDigest &Job,
                                                    bool InputsInKey,
                                                    DescribePaths Now) {
  std::string ManifestKey = storeKey(SealedKind::Manifest, Job);
  for (size_t I = 0; I != Stores.size(); ++I) {
    CacheStore &Store = *Stores[I];
    InputSet Inputs;
    if (!InputsInKey) {
      std::optional<std::string> Value = Store.load(ManifestKey);
      if (!Value)
        continue;
      llvm::Expected<Manifest> M = Manifest::decode(*Value);
      if (!M) {
        Log.log("result cache: dropped manifest " + ManifestKey + ": " +
                llvm::toString(M.takeError()));
        Store.remove(ManifestKey);
        continue;
      }
      std::optional<InputSet> Matched = M->match(Now);
      if (!Matched)
        continue;
      Inputs = std::move(*Matched);
    }
    std::string EntryKey = storeKey(SealedKind::Result, resultKey(Job, Inputs));
    std::optional<std::string> Value = Store.load(EntryKey);
    if (!Value)
      continue;
    llvm::Expected<Entry> Result = decodeEntry(*Value);
    if (!Result) {
      Log.log("result cache: dropped entry " + EntryKey + ": " +
              llvm::toString(Result.takeError()));
      Store.remove(EntryKey);
      continue;
    }
    // The next lookup finds it locally.
    if (I != 0 && HasLocal)
      insertInto(*Stores.front(), Job, Inputs, InputsInKey,
                 encodeEntry(Result->ExitCode, Result->Diagnostics,
                             llvm::ArrayRef(Result->Outputs)));
    return Hit{std::move(*Result), !(HasLocal && I == 0)};
  }
  return std::nullopt;
}

void ResultCache::insert(const ContentDigest &Job, const InputSet &Inputs,
                         bool InputsInKey, const CompileResult &Result,
                         llvm::ArrayRef<OutputBytes> Written) {
  for (size_t I = 0; I != Stores.size(); ++I)
    insertInto(*Stores[I], Job, Inputs, InputsInKey,
               HasLocal && I == 0
                   ? encodeEntry(Result.ExitCode, Result.Diagnostics, Written)
                   : encodeEntry(Result.ExitCode, Result.Diagnostics,
                                 llvm::ArrayRef(Result.Outputs)));
}

void ResultCache::insertInto(CacheStore &Store, const ContentDigest &Job,
                             const InputSet &Inputs, bool InputsInKey,
                             llvm::StringRef Entry) {
  Store.store(storeKey(SealedKind::Result, resultKey(Job, Inputs)), Entry);
  if (InputsInKey)
    return;
  // Another server may add a set at the same time: one of the two is lost,
  // which costs a miss.
  std::string ManifestKey = storeKey(SealedKind::Manifest, Job);
  Manifest M;
  if (std::optional<std::string> Value = Store.load(ManifestKey)) {
    llvm::Expected<Manifest> Old = Manifest::decode(*Value);
    if (Old)
      M = std::move(*Old);
    else
      llvm::consumeError(Old.takeError());
  }
  M.add(Inputs);
  Store.store(ManifestKey, M.encode());
}

std::optional<std::string> ResultCache::takeNotice() {
  for (const std::unique_ptr<CacheStore> &Store : Stores)
    if (std::optional<std::string> Notice = Store->takeNotice())
      return Notice;
  return std::nullopt;
}
