//===- ResultCache/Manifest.cpp - What a job's compiles looked at ---------===//
//
// Body (sealed, ResultCache/Seal.h), little-endian:
//   u32 paths, each: u32 length, bytes
//   u32 states, each: u8 kind, and for a file its 32-byte digest
//   u32 sets, newest first, each: u32 elements, each: u32 path, u32 state,
//       u32 same_as (an index into the set, at most its own)
// A set's paths are sorted and distinct.
//
//===----------------------------------------------------------------------===//

#include "ResultCache/Manifest.h"
#include "ResultCache/Body.h"
#include "ResultCache/Seal.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include <cassert>
#include <map>

using namespace clang::dist;

namespace {

/// A path longer than the system allows, or more of them than a compile
/// could look at, is garbage.
constexpr uint32_t MaxPathLength = 4096;
constexpr uint32_t MaxCount = 1u << 20;

bool isInputKind(uint8_t K) {
  using Kind = PathInfo::PathKind;
  return K == static_cast<uint8_t>(Kind::File) ||
         K == static_cast<uint8_t>(Kind::Directory) ||
         K == static_cast<uint8_t>(Kind::Missing) ||
         K == static_cast<uint8_t>(Kind::NotADirectory);
}

llvm::Error malformed(const char *What) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "a malformed manifest: %s", What);
}

} // namespace

llvm::Expected<Manifest> Manifest::decode(llvm::StringRef Value) {
  llvm::Expected<llvm::StringRef> Body = unseal(SealedKind::Manifest, Value);
  if (!Body)
    return Body.takeError();
  BodyReader R(*Body);
  Manifest M;
  M.Paths.resize(R.count(MaxCount));
  for (std::string &Path : M.Paths) {
    uint32_t Length = R.u32();
    if (Length > MaxPathLength)
      return malformed("a path too long");
    Path = R.take(Length).str();
  }
  M.States.resize(R.count(MaxCount));
  for (InputState &S : M.States) {
    uint8_t Kind = R.u8();
    if (!R.failed() && !isInputKind(Kind))
      return malformed("an unknown kind of path");
    S.Kind = static_cast<PathInfo::PathKind>(Kind);
    if (S.Kind == PathInfo::PathKind::File) {
      llvm::StringRef D = R.take(S.Digest.size());
      std::copy(D.begin(), D.end(), S.Digest.begin());
    }
  }
  M.Sets.resize(R.count(MaxSets));
  for (std::vector<Element> &Set : M.Sets) {
    Set.resize(R.count(MaxCount));
    for (size_t I = 0; I != Set.size(); ++I) {
      Element &E = Set[I];
      E.Path = R.u32();
      E.State = R.u32();
      E.SameAs = R.u32();
      if (R.failed())
        break;
      if (E.Path >= M.Paths.size() || E.State >= M.States.size() ||
          E.SameAs > I)
        return malformed("an index out of range");
      if (I && !(M.Paths[Set[I - 1].Path] < M.Paths[E.Path]))
        return malformed("a set's paths out of order");
    }
  }
  if (R.failed())
    return malformed("truncated");
  if (!R.atEnd())
    return malformed("bytes after the end");
  return M;
}

std::string Manifest::encode() const {
  // Only what the sets use: a dropped set's paths go with it.
  BodyWriter W;
  std::vector<uint32_t> PathIndex(Paths.size(), UINT32_MAX),
      StateIndex(States.size(), UINT32_MAX);
  std::vector<uint32_t> UsedPaths, UsedStates;
  for (const std::vector<Element> &Set : Sets)
    for (const Element &E : Set) {
      if (PathIndex[E.Path] == UINT32_MAX) {
        PathIndex[E.Path] = UsedPaths.size();
        UsedPaths.push_back(E.Path);
      }
      if (StateIndex[E.State] == UINT32_MAX) {
        StateIndex[E.State] = UsedStates.size();
        UsedStates.push_back(E.State);
      }
    }
  W.u32(UsedPaths.size());
  for (uint32_t P : UsedPaths) {
    W.u32(Paths[P].size());
    W.bytes(Paths[P]);
  }
  W.u32(UsedStates.size());
  for (uint32_t S : UsedStates) {
    W.u8(static_cast<uint8_t>(States[S].Kind));
    if (States[S].Kind == PathInfo::PathKind::File)
      W.bytes(llvm::StringRef(
          reinterpret_cast<const char *>(States[S].Digest.data()),
          States[S].Digest.size()));
  }
  W.u32(Sets.size());
  for (const std::vector<Element> &Set : Sets) {
    W.u32(Set.size());
    for (const Element &E : Set) {
      W.u32(PathIndex[E.Path]);
      W.u32(StateIndex[E.State]);
      W.u32(E.SameAs);
    }
  }
  return seal(SealedKind::Manifest, W.Out);
}

void Manifest::add(const InputSet &Set) {
  llvm::StringMap<uint32_t> PathIndex;
  for (uint32_t I = 0; I != Paths.size(); ++I)
    PathIndex.try_emplace(Paths[I], I);
  std::map<std::pair<uint8_t, ContentDigest>, uint32_t> StateIndex;
  for (uint32_t I = 0; I != States.size(); ++I)
    StateIndex.try_emplace(
        {static_cast<uint8_t>(States[I].Kind), States[I].Digest}, I);
  std::vector<Element> New(Set.Paths.size());
  for (size_t I = 0; I != Set.Paths.size(); ++I) {
    auto [P, NewPath] = PathIndex.try_emplace(Set.Paths[I], Paths.size());
    if (NewPath)
      Paths.push_back(Set.Paths[I]);
    const InputState &S = Set.States[I];
    auto [St, NewState] = StateIndex.try_emplace(
        {static_cast<uint8_t>(S.Kind), S.Digest}, States.size());
    if (NewState)
      States.push_back(S);
    New[I] = {P->second, St->second, Set.SameAs[I]};
  }
  llvm::erase_value(Sets, New);
  Sets.insert(Sets.begin(), std::move(New));
  if (Sets.size() > MaxSets)
    Sets.resize(MaxSets);
}

InputSet Manifest::expand(const std::vector<Element> &Set) const {
  InputSet Out;
  for (const Element &E : Set) {
    Out.Paths.push_back(Paths[E.Path]);
    Out.States.push_back(States[E.State]);
    Out.SameAs.push_back(E.SameAs);
  }
  return Out;
}

std::optional<InputSet> Manifest::match(DescribePaths Now) const {
  // Sets share most of their paths: each is described once.
  std::vector<std::optional<PathInfo>> Described(Paths.size());
  std::vector<bool> Asked(Paths.size(), false);
  for (const std::vector<Element> &Set : Sets) {
    std::vector<uint32_t> New;
    std::vector<llvm::StringRef> Ask;
    for (const Element &E : Set)
      if (!Asked[E.Path]) {
        Asked[E.Path] = true;
        New.push_back(E.Path);
        Ask.push_back(Paths[E.Path]);
      }
    if (!Ask.empty()) {
      std::vector<std::optional<PathInfo>> Answers = Now(Ask);
      assert(Answers.size() == Ask.size());
      for (size_t I = 0; I != New.size(); ++I)
        Described[New[I]] = std::move(Answers[I]);
    }
    llvm::DenseMap<std::pair<uint64_t, uint64_t>, uint32_t> FirstWithIdentity;
    bool Matches = true;
    for (uint32_t I = 0; Matches && I != Set.size(); ++I) {
      const Element &E = Set[I];
      const std::optional<PathInfo> &Info = Described[E.Path];
      const InputState &Was = States[E.State];
      Matches =
          Info && Info->Kind == Was.Kind &&
          (Was.Kind != PathInfo::PathKind::File || Info->Digest == Was.Digest);
      if (Matches && hasIdentity(Was.Kind))
        Matches = FirstWithIdentity.try_emplace({Info->Device, Info->Inode}, I)
                      .first->second == E.SameAs;
    }
    if (Matches)
      return expand(Set);
  }
  return std::nullopt;
}
