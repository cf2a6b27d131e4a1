//===- ResultCache/Key.cpp - What a cached result is keyed on -------------===//

#include "ResultCache/Key.h"
#include "Protocol/Version.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/BLAKE3.h"
#include "llvm/Support/Endian.h"
#include <map>
#include <numeric>

using namespace clang::dist;

namespace {

/// Changes whenever what a key covers, or how, changes: old entries are then
/// never found.
constexpr llvm::StringLiteral KeyFormat = "clang-dist result cache key 2";

/// Every field length-prefixed, so that no two different sequences of fields
/// hash the same bytes.
class KeyHasher {
public:
  KeyHasher &number(uint64_t V) {
    uint8_t Bytes[8];
    llvm::support::endian::write64le(Bytes, V);
    Hasher.update(llvm::ArrayRef<uint8_t>(Bytes));
    return *this;
  }
  KeyHasher &text(llvm::StringRef S) {
    number(S.size());
    Hasher.update(S);
    return *this;
  }
  KeyHasher &digest(const ContentDigest &D) {
    Hasher.update(llvm::ArrayRef<uint8_t>(D));
    return *this;
  }
  ContentDigest final() { return Hasher.final<32>(); }

private:
  llvm::BLAKE3 Hasher;
};

} // namespace

bool clang::dist::hasIdentity(PathInfo::PathKind K) {
  return K == PathInfo::PathKind::File || K == PathInfo::PathKind::Directory;
}

InputSet clang::dist::describeInputs(llvm::ArrayRef<CompileInput> Inputs) {
  std::vector<size_t> Order(Inputs.size());
  std::iota(Order.begin(), Order.end(), 0);
  llvm::sort(Order, [&](size_t A, size_t B) {
    return Inputs[A].Path < Inputs[B].Path;
  });
  InputSet Set;
  std::map<std::pair<uint64_t, uint64_t>, uint32_t> FirstWithIdentity;
  for (size_t I : Order) {
    const CompileInput &In = Inputs[I];
    if (!Set.Paths.empty() && Set.Paths.back() == In.Path)
      continue;
    InputState State;
    State.Kind = In.Info.Kind;
    if (State.Kind == PathInfo::PathKind::File)
      State.Digest = In.Info.Digest;
    uint32_t SameAs = 0;
    if (hasIdentity(State.Kind))
      SameAs =
          FirstWithIdentity
              .try_emplace({In.Info.Device, In.Info.Inode}, Set.Paths.size())
              .first->second;
    Set.Paths.push_back(In.Path);
    Set.States.push_back(State);
    Set.SameAs.push_back(SameAs);
  }
  return Set;
}

ContentDigest clang::dist::jobKey(const CompileJob &Job,
                                  llvm::StringRef ClangVersion) {
  KeyHasher H;
  H.text(KeyFormat).text(clangDistVersion()).text(ClangVersion);
  // The worker compiles a preprocessed job's text with its own changes to
  // the arguments (Worker/Compiler.cpp): another compile than the others'.
  H.number(Job.Mode == DistributionMode::Preprocessed);
  H.text(Job.WorkingDir);
  H.number(Job.Args.size());
  for (const std::string &Arg : Job.Args)
    H.text(Arg);
  H.number(Job.Files.size());
  for (const FileBlob &File : Job.Files)
    H.text(File.Path).number(File.RawSize).text(File.Compressed);
  return H.final();
}

ContentDigest clang::dist::resultKey(const ContentDigest &Job,
                                     const InputSet &Set) {
  KeyHasher H;
  H.text(KeyFormat).digest(Job).number(Set.Paths.size());
  for (size_t I = 0; I != Set.Paths.size(); ++I) {
    const InputState &S = Set.States[I];
    H.text(Set.Paths[I]).number(static_cast<uint8_t>(S.Kind));
    H.number(Set.SameAs[I]);
    if (S.Kind == PathInfo::PathKind::File)
      H.digest(S.Digest);
  }
  return H.final();
}
