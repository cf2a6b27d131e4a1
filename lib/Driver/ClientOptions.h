//===- Driver/ClientOptions.h - clang-dist's own options --------*- C++ -*-===//
//
// clang-dist's own options (ClientOptions.def) are taken out of the
// arguments before clang's driver parses the rest, so that clang never sees
// one and a build that passes them through to clang-16 elsewhere (a local
// job) needs nothing removed there.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_CLIENTOPTIONS_H
#define CLANG_DIST_DRIVER_CLIENTOPTIONS_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <array>
#include <optional>
#include <string>

namespace clang::dist {

enum class ClientOption : unsigned {
#define CLIENT_OPTION(Id, Spelling, Kind, MetaVar, HelpText) Id,
#include "Driver/ClientOptions.def"
  NumOptions
};

/// One entry of ClientOptions.def.
struct ClientOptionInfo {
  ClientOption Id;
  llvm::StringLiteral Spelling;
  bool TakesValue;
  llvm::StringLiteral MetaVar;
  llvm::StringLiteral HelpText;
};

/// Every option, in the order of ClientOptions.def.
llvm::ArrayRef<ClientOptionInfo> clientOptionTable();

class ClientOptions {
public:
  bool has(ClientOption Id) const {
    return Values[static_cast<unsigned>(Id)].has_value();
  }
  /// The option's value ("" for a flag); the last one given wins.
  std::optional<llvm::StringRef> get(ClientOption Id) const {
    const std::optional<std::string> &V = Values[static_cast<unsigned>(Id)];
    if (!V)
      return std::nullopt;
    return llvm::StringRef(*V);
  }
  void set(ClientOption Id, llvm::StringRef Value) {
    Values[static_cast<unsigned>(Id)] = Value.str();
  }

  /// The config the options name: --distributed, else $CLANG_DIST_CONFIG;
  /// "" for the built-in default.
  std::string configPath() const;

private:
  std::array<std::optional<std::string>,
             static_cast<unsigned>(ClientOption::NumOptions)>
      Values;
};

/// How many arguments one of clang-dist's own options at \p Args[I] spans:
/// 1, or 2 with its value as the next argument; 0 if Args[I] is none.
size_t clientOptionSpan(llvm::ArrayRef<const char *> Args, size_t I);

/// Removes clang-dist's own options from \p Args (Args[0] is the program)
/// and returns them. An error names the option: a value missing or empty.
llvm::Expected<ClientOptions>
takeClientOptions(llvm::SmallVectorImpl<const char *> &Args);

} // namespace clang::dist

#endif
