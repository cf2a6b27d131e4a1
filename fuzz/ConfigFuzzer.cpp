//===- fuzz/ConfigFuzzer.cpp - The dist.conf parser -----------------------===//
//
// The input is the text of a dist.conf; only the parser runs (no file, no
// secret is read). An error must name the file and a line of it; a config
// that parses must hold only what the format allows, and printed back one
// setting per line it must parse to the same config.
//
//===----------------------------------------------------------------------===//

#include "Config/Config.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace clang::dist;

namespace {

constexpr llvm::StringLiteral FileName = "fuzz.conf";

[[noreturn]] void violated(llvm::StringRef Property) {
  llvm::errs() << "config: " << Property << "\n";
  std::abort();
}

/// \p Config as a dist.conf, with consecutive ports of a host as one range.
/// Every host in brackets: the parser reads any host it accepts back from
/// them, IPv6 or not.
std::string print(const DistConfig &Config) {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  const std::vector<SlotAddress> &Slots = Config.Slots;
  for (size_t First = 0, Last; First != Slots.size(); First = Last + 1) {
    for (Last = First; Last + 1 != Slots.size() &&
                       Slots[Last + 1].Host == Slots[First].Host &&
                       Slots[Last + 1].Port == Slots[Last].Port + 1;
         ++Last)
      ;
    OS << "worker [" << Slots[First].Host << "]:" << Slots[First].Port << '-'
       << Slots[Last].Port << '\n';
  }
  if (Config.LocalSlots)
    OS << "local-workers " << Config.LocalSlots << '\n';
  OS << "idle-timeout " << Config.IdleTimeout.count() << '\n';
  OS << "connect-timeout-ms " << Config.ConnectTimeout.count() << '\n';
  OS << "heartbeat-timeout-ms " << Config.HeartbeatTimeout.count() << '\n';
  OS << "worker-backoff " << Config.SlotBackoff.count() << '\n';
  if (!Config.SecretPath.empty())
    OS << "secret " << Config.SecretPath << '\n';
  OS << "mode "
     << (Config.Mode == DistributionMode::Sources ? "sources" : "preprocessed")
     << '\n';
  return Text;
}

bool sameConfig(const DistConfig &A, const DistConfig &B) {
  return A.Path == B.Path && A.Slots == B.Slots &&
         A.LocalSlots == B.LocalSlots && A.IdleTimeout == B.IdleTimeout &&
         A.ConnectTimeout == B.ConnectTimeout &&
         A.HeartbeatTimeout == B.HeartbeatTimeout &&
         A.SlotBackoff == B.SlotBackoff && A.Mode == B.Mode &&
         A.SecretPath == B.SecretPath && !A.Secret && !B.Secret;
}

void checkError(llvm::StringRef Text, const std::string &Message) {
  llvm::StringRef Rest = Message;
  unsigned Line;
  if (!Rest.consume_front(FileName) || !Rest.consume_front(":") ||
      Rest.consumeInteger(10, Line) || !Rest.startswith(": "))
    violated("an error names no file and line: " + Message);
  if (Line == 0 || Line > Text.count('\n') + 1)
    violated("an error names a line the text does not have: " + Message);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Text(reinterpret_cast<const char *>(Data), Size);
  llvm::Expected<DistConfig> Config = parseConfig(Text, FileName);
  if (!Config) {
    checkError(Text, llvm::toString(Config.takeError()));
    return 0;
  }

  if (Config->Slots.size() > 65536)
    violated("more than 65536 slots");
  for (const SlotAddress &Slot : Config->Slots)
    if (Slot.Host.empty() || Slot.Port == 0 ||
        llvm::any_of(Slot.Host, [](char C) { return llvm::isSpace(C); }))
      violated("an invalid slot: '" + Slot.str() + "'");

  std::string Printed = print(*Config);
  llvm::Expected<DistConfig> Again = parseConfig(Printed, FileName);
  if (!Again)
    violated("the config printed back does not parse: " +
             llvm::toString(Again.takeError()) + "\n" + Printed);
  if (!sameConfig(*Config, *Again))
    violated("the config printed back parses to another config:\n" + Printed);
  return 0;
}
