//===- LocalServer/SlotBackoffs.h - For the next server ---------*- C++ -*-===//
//
// A server that exits forgets which slots failed, and the next one, started
// by the next build, would try each again at a connect timeout's cost. So the
// servers of one config pass their backoffs on in a file of the private
// runtime directory (server-<hash>.backoff), one line per slot:
//
//   HOST:PORT UNTIL REASON
//
// with UNTIL in seconds since the epoch (a server's steady clock dies with
// it). The file only saves time: one that does not parse is ignored whole,
// and a reader never backs a slot off for longer than its own config says.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_SLOTBACKOFFS_H
#define CLANG_DIST_LOCALSERVER_SLOTBACKOFFS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <vector>

namespace clang::dist {

struct BackoffEntry {
  /// As SlotAddress::str() spells it.
  std::string Slot;
  /// Seconds since the epoch.
  int64_t Until = 0;
  /// Why the slot failed.
  std::string Reason;
};

/// Fails, naming the line, on anything formatSlotBackoffs would not write.
llvm::Expected<std::vector<BackoffEntry>>
parseSlotBackoffs(llvm::StringRef Text);

/// One line per backoff; a reason's line breaks become spaces.
std::string formatSlotBackoffs(llvm::ArrayRef<BackoffEntry> Backoffs);

/// Replaces \p Path by a temporary file renamed over it, so that a server
/// starting meanwhile reads the old list or the new one, never half of one.
llvm::Error writeSlotBackoffs(llvm::StringRef Path,
                              llvm::ArrayRef<BackoffEntry> Backoffs);

} // namespace clang::dist

#endif
