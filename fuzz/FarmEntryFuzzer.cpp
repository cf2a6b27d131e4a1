//===- fuzz/FarmEntryFuzzer.cpp - A worker's entry in the registry --------===//
//
// The input is a value under a farm worker's key, which anyone who may write
// to the registry may have written. An entry that parses has what a server
// needs, within the limits; formatted again it parses to the same entry.
//
//===----------------------------------------------------------------------===//

#include "Registry/FarmEntry.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace clang::dist;

namespace {

[[noreturn]] void violated(llvm::StringRef Property) {
  llvm::errs() << "farm entry: " << Property << "\n";
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Input(reinterpret_cast<const char *>(Data), Size);
  llvm::Expected<FarmEntry> Entry = parseFarmEntry(Input);
  if (!Entry) {
    llvm::consumeError(Entry.takeError());
    return 0;
  }
  if (Entry->Host.empty() || Entry->Ports.empty() ||
      Entry->Ports.size() > MaxFarmEntryPorts || Size > MaxFarmEntrySize)
    violated("an entry without an address or ports, or past the limits");
  for (uint16_t Port : Entry->Ports)
    if (Port == 0)
      violated("port 0");
  llvm::Expected<FarmEntry> Again = parseFarmEntry(formatFarmEntry(*Entry));
  if (!Again)
    violated("an entry formatted again is garbage: " +
             llvm::toString(Again.takeError()));
  if (!(*Again == *Entry))
    violated("an entry formatted again parses to another entry");
  return 0;
}
