//===- Driver/ClientOptions.cpp - clang-dist's own options ----------------===//

#include "Driver/ClientOptions.h"
#include <cstdlib>

using namespace clang::dist;

namespace {
constexpr ClientOptionInfo Table[] = {
#define Flag false
#define Value true
#define CLIENT_OPTION(Id, Spelling, Kind, MetaVar, HelpText)                   \
  {ClientOption::Id, Spelling, Kind, MetaVar, HelpText},
#include "Driver/ClientOptions.def"
#undef Flag
#undef Value
};

llvm::Error valueError(const ClientOptionInfo &Option, llvm::StringRef What) {
  return llvm::createStringError(
      std::make_error_code(std::errc::invalid_argument),
      "argument to '%s' is %s (expected %s)", Option.Spelling.data(),
      What.str().c_str(),
      Option.MetaVar == "FILE" ? "a config file" : Option.MetaVar.data());
}

/// The option \p Arg is, if any; \p Joined gets the value of `--name=VALUE`.
const ClientOptionInfo *matchOption(llvm::StringRef Arg,
                                    std::optional<llvm::StringRef> &Joined) {
  for (const ClientOptionInfo &Option : Table) {
    if (Arg == Option.Spelling)
      return &Option;
    if (Option.TakesValue && Arg.startswith(Option.Spelling) &&
        Arg.drop_front(Option.Spelling.size()).startswith("=")) {
      Joined = Arg.drop_front(Option.Spelling.size() + 1);
      return &Option;
    }
  }
  return nullptr;
}
} // namespace

size_t clang::dist::clientOptionSpan(llvm::ArrayRef<const char *> Args,
                                     size_t I) {
  std::optional<llvm::StringRef> Joined;
  const ClientOptionInfo *Match = matchOption(Args[I], Joined);
  if (!Match)
    return 0;
  return Match->TakesValue && !Joined ? 2 : 1;
}

llvm::ArrayRef<ClientOptionInfo> clang::dist::clientOptionTable() {
  return Table;
}

std::string ClientOptions::configPath() const {
  if (std::optional<llvm::StringRef> Path = get(ClientOption::Distributed))
    return Path->str();
  if (const char *Env = std::getenv("CLANG_DIST_CONFIG"); Env && *Env)
    return Env;
  return "";
}

llvm::Expected<ClientOptions>
clang::dist::takeClientOptions(llvm::SmallVectorImpl<const char *> &Args) {
  ClientOptions Options;
  for (size_t I = 1; I < Args.size();) {
    std::optional<llvm::StringRef> Joined;
    const ClientOptionInfo *Match = matchOption(Args[I], Joined);
    if (!Match) {
      ++I;
      continue;
    }
    size_t Taken = 1;
    llvm::StringRef Value;
    if (Joined) {
      Value = *Joined;
    } else if (Match->TakesValue) {
      if (I + 1 == Args.size())
        return valueError(*Match, "missing");
      Value = Args[I + 1];
      Taken = 2;
    }
    if (Match->TakesValue && Value.empty())
      return valueError(*Match, "empty");
    Options.set(Match->Id, Value);
    Args.erase(Args.begin() + I, Args.begin() + I + Taken);
  }
  return Options;
}
