//===- ResultCache/Entry.cpp - A compile's result, as cached --------------===//

#include "ResultCache/Entry.h"
#include "ResultCache/Seal.h"

using namespace clang::dist;

std::string clang::dist::encodeEntry(const CompileResult &Result) {
  CompileResult Kept;
  Kept.ExitCode = Result.ExitCode;
  Kept.Diagnostics = Result.Diagnostics;
  Kept.Outputs = Result.Outputs;
  return seal(SealedKind::Result, encode(Kept));
}

llvm::Expected<CompileResult> clang::dist::decodeEntry(llvm::StringRef Value) {
  llvm::Expected<llvm::StringRef> Body = unseal(SealedKind::Result, Value);
  if (!Body)
    return Body.takeError();
  llvm::Expected<CompileResult> Result = decodeCompileResult(*Body);
  if (!Result)
    return Result.takeError();
  if (Result->Refused || Result->Unanswerable || !Result->Consulted.empty() ||
      !Result->Inputs.empty() || Result->Caching != Cacheability::Cacheable)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "an entry with a worker's fields");
  return Result;
}
