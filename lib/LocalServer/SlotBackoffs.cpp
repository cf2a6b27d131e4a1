//===- LocalServer/SlotBackoffs.cpp - Failed slots, for the next server ---===//

#include "LocalServer/SlotBackoffs.h"
#include "Support/AtomicFile.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include <algorithm>

using namespace clang::dist;

llvm::Expected<std::vector<BackoffEntry>>
clang::dist::parseSlotBackoffs(llvm::StringRef Text) {
  std::vector<BackoffEntry> Backoffs;
  unsigned LineNo = 0;
  while (!Text.empty()) {
    llvm::StringRef Line;
    std::tie(Line, Text) = Text.split('\n');
    ++LineNo;
    auto [Slot, Rest] = Line.split(' ');
    auto [Until, Reason] = Rest.split(' ');
    BackoffEntry B{Slot.str(), 0, Reason.str()};
    // Digits only: getAsInteger alone would take a sign or a 0x prefix.
    if (!Slot.contains(':') || Until.empty() ||
        !llvm::all_of(Until, llvm::isDigit) || Until.getAsInteger(10, B.Until))
      return llvm::createStringError(
          std::make_error_code(std::errc::invalid_argument),
          "line %u is not 'HOST:PORT UNTIL REASON'", LineNo);
    Backoffs.push_back(std::move(B));
  }
  return Backoffs;
}

std::string
clang::dist::formatSlotBackoffs(llvm::ArrayRef<BackoffEntry> Backoffs) {
  std::string Text;
  for (const BackoffEntry &B : Backoffs) {
    std::string Reason = B.Reason;
    std::replace(Reason.begin(), Reason.end(), '\n', ' ');
    Text += B.Slot + " " + std::to_string(B.Until) + " " + Reason + "\n";
  }
  return Text;
}

llvm::Error
clang::dist::writeSlotBackoffs(llvm::StringRef Path,
                               llvm::ArrayRef<BackoffEntry> Backoffs) {
  return writeFileAtomically(Path, formatSlotBackoffs(Backoffs), 0600);
}
