//===- Registry/FarmEntry.cpp - A worker's entry in the farm's registry ---===//

#include "Registry/FarmEntry.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

using namespace clang::dist;

namespace {

/// Host names and numeric addresses, IPv6 ones included; nothing a log line
/// or a terminal would take for more than a name.
bool isHostName(llvm::StringRef Host) {
  return !Host.empty() && Host.size() <= 253 && llvm::all_of(Host, [](char C) {
    return llvm::isAlnum(C) || C == '.' || C == '-' || C == ':' || C == '_';
  });
}

bool isPrintable(llvm::StringRef Text) {
  return llvm::all_of(Text, [](char C) {
    return static_cast<unsigned char>(C) >= 0x20 && C != 0x7f;
  });
}

llvm::Error malformed(const llvm::Twine &Why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "malformed farm entry: " + Why);
}

template <typename T> bool parseNumber(llvm::StringRef Text, T &Out) {
  return !Text.empty() && !Text.getAsInteger(10, Out);
}

llvm::Error parsePorts(llvm::StringRef Text, std::vector<uint16_t> &Ports) {
  llvm::SmallVector<llvm::StringRef, 16> Items;
  Text.split(Items, ',');
  if (Items.size() > MaxFarmEntryPorts)
    return malformed(llvm::formatv("more than {0} ports", MaxFarmEntryPorts));
  for (llvm::StringRef Item : Items) {
    unsigned Port;
    if (!parseNumber(Item, Port) || Port == 0 || Port > 65535)
      return malformed("'" + Item + "' is not a port");
    Ports.push_back(static_cast<uint16_t>(Port));
  }
  return llvm::Error::success();
}

} // namespace

std::string FarmEntry::key() const {
  return llvm::formatv("{0}{1}:{2}", FarmKeyPrefix, Host,
                       Ports.empty() ? 0 : Ports.front());
}

std::string clang::dist::formatFarmEntry(const FarmEntry &Entry) {
  std::string Ports;
  for (uint16_t Port : Entry.Ports)
    Ports += (Ports.empty() ? "" : ",") + std::to_string(Port);
  // A line needs a value: one without would be garbage.
  std::string ClangDist = Entry.ClangDistVersion.empty()
                              ? std::string()
                              : "clang-dist " + Entry.ClangDistVersion + "\n";
  return llvm::formatv("address {0}\nports {1}\nclang {2}\nprotocol {3}\n"
                       "{4}secret {5}\nbusy {6}\nstarted {7}\nspeed {8}\n",
                       Entry.Host, Ports, Entry.ClangVersion, Entry.Protocol,
                       ClangDist, Entry.Secret ? "yes" : "no", Entry.Busy,
                       Entry.Started, Entry.Speed);
}

llvm::Expected<FarmEntry> clang::dist::parseFarmEntry(llvm::StringRef Text) {
  if (Text.size() > MaxFarmEntrySize)
    return malformed(llvm::formatv("{0} bytes, more than {1}", Text.size(),
                                   MaxFarmEntrySize));
  FarmEntry Entry;
  llvm::StringSet<> Seen;
  while (!Text.empty()) {
    llvm::StringRef Line;
    std::tie(Line, Text) = Text.split('\n');
    if (Line.empty())
      continue;
    if (!isPrintable(Line))
      return malformed("a line holds control characters");
    auto [Key, Value] = Line.split(' ');
    if (Key.empty() || Value.empty())
      return malformed("'" + Line.take_front(64) + "' is not 'key value'");
    // Keys of a newer worker: not ours to judge.
    static const char *const Known[] = {"address", "ports",  "clang",
                                        "protocol", "clang-dist", "secret",
                                        "busy",    "started", "speed"};
    if (!llvm::is_contained(Known, Key))
      continue;
    if (!Seen.insert(Key).second)
      return malformed("'" + Key + "' given twice");
    bool Ok = true;
    if (Key == "address") {
      Ok = isHostName(Value);
      Entry.Host = Value.str();
    } else if (Key == "ports") {
      if (llvm::Error E = parsePorts(Value, Entry.Ports))
        return E;
    } else if (Key == "clang") {
      Entry.ClangVersion = Value.str();
    } else if (Key == "protocol") {
      Ok = parseNumber(Value, Entry.Protocol);
    } else if (Key == "clang-dist") {
      Entry.ClangDistVersion = Value.str();
    } else if (Key == "secret") {
      Ok = Value == "yes" || Value == "no";
      Entry.Secret = Value == "yes";
    } else if (Key == "busy") {
      Ok = parseNumber(Value, Entry.Busy);
    } else if (Key == "speed") {
      Ok = parseNumber(Value, Entry.Speed);
    } else {
      Ok = parseNumber(Value, Entry.Started);
    }
    if (!Ok)
      return malformed("'" + Key + "' cannot be '" + Value.take_front(64) +
                       "'");
  }
  for (const char *Required : {"address", "ports", "clang", "protocol"})
    if (!Seen.contains(Required))
      return malformed(llvm::Twine("no '") + Required + "'");
  return Entry;
}
