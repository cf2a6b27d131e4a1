//===- Config/StatsFile.cpp - Counters kept across server lives -----------===//

#include "Config/StatsFile.h"
#include "Support/AtomicFile.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace clang::dist;

namespace {
constexpr llvm::StringLiteral Header = "clang-dist stats 1";
} // namespace

std::string statkeys::fallback(FallbackCause Cause) {
  return ("fallback_" + fallbackCauseName(Cause)).str();
}

std::string statkeys::slot(llvm::StringRef Slot, llvm::StringRef What) {
  return ("slot/" + Slot + "/" + What).str();
}

std::vector<std::string> statkeys::fixed() {
  std::vector<std::string> Keys = {
      ServerStarts,      JobsRemote,    JobsLocalByDesign,
      JobsLocalFallback, JobsCancelled, Retries,
      BytesSent,         BytesReceived, WorkerCompileMs};
  for (FallbackCause Cause : fallbackCauses())
    Keys.push_back(fallback(Cause));
  for (const char *Key :
       {CacheHit, CacheHitShared, CacheMiss, CacheUncacheable})
    Keys.push_back(Key);
  Keys.push_back(uncacheable("failed"));
  for (Cacheability C : {Cacheability::TimeMacro, Cacheability::UnrecordedInput,
                         Cacheability::ReadsOtherFiles})
    Keys.push_back(uncacheable(cacheabilityName(C)));
  for (const char *Key : {FarmWorkersJoined, FarmWorkersLeft,
                          FarmWorkersSkippedVersion, FarmEntriesMalformed})
    Keys.push_back(Key);
  return Keys;
}

std::string statkeys::uncacheable(llvm::StringRef Why) {
  return ("cache_uncacheable_" + Why).str();
}

std::string clang::dist::formatStats(const StatsCounters &Counters) {
  std::string Text = (Header + "\n").str();
  for (const auto &[Key, Value] : Counters)
    Text += llvm::formatv("{0}\t{1}\n", Key, Value).str();
  return Text;
}

llvm::Expected<StatsCounters> clang::dist::parseStats(llvm::StringRef Text) {
  auto [First, Rest] = Text.split('\n');
  if (First != Header)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the first line is not '%s'", Header.data());
  StatsCounters Counters;
  unsigned LineNo = 1;
  while (!Rest.empty()) {
    llvm::StringRef Line;
    std::tie(Line, Rest) = Rest.split('\n');
    ++LineNo;
    auto [Key, ValueText] = Line.split('\t');
    uint64_t Value;
    if (Key.empty() || Key.contains(' ') || ValueText.getAsInteger(10, Value))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "line %u is not 'KEY<TAB>VALUE'", LineNo);
    if (!Counters.emplace(Key.str(), Value).second)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "line %u repeats '%s'", LineNo,
                                     Key.str().c_str());
  }
  return Counters;
}

llvm::Expected<StatsCounters> clang::dist::readStatsFile(llvm::StringRef Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!Buffer) {
    if (Buffer.getError() == std::errc::no_such_file_or_directory)
      return StatsCounters();
    return llvm::createStringError(Buffer.getError(), "cannot read '%s': %s",
                                   Path.str().c_str(),
                                   Buffer.getError().message().c_str());
  }
  llvm::Expected<StatsCounters> Counters = parseStats((*Buffer)->getBuffer());
  if (!Counters)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(), "'%s': %s", Path.str().c_str(),
        llvm::toString(Counters.takeError()).c_str());
  return Counters;
}

llvm::Error clang::dist::writeStatsFile(llvm::StringRef Path,
                                        const StatsCounters &Counters) {
  return writeFileAtomically(Path, formatStats(Counters), 0600);
}
