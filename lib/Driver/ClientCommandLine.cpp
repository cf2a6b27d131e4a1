//===- Driver/ClientCommandLine.cpp - --help, --version, typos ------------===//

#include "Driver/ClientCommandLine.h"
#include "Driver/ClientOptions.h"
#include "Protocol/Version.h"
#include "clang/Driver/Options.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Option/ArgList.h"
#include "llvm/Option/OptTable.h"

using namespace clang::dist;
namespace options = clang::driver::options;

namespace {

struct EnvironmentVariable {
  llvm::StringLiteral Name;
  llvm::StringLiteral HelpText;
};

/// Every variable clang-dist reads.
constexpr EnvironmentVariable Environment[] = {
    {"CLANG_DIST_CONFIG",
     "The dist.conf to use without --distributed (keeps the compiler's "
     "command line clang's, for compile_commands.json and clangd)"},
    {"CLANG_DIST_RUNTIME_DIR",
     "Where the local servers' sockets, logs and state live; default: "
     "/tmp/clang-dist-<uid>"},
    {"CLANG_DIST_USER",
     "The name a local server gives the workers as its user's, when it "
     "starts (default: the login name); workers share a busy slot's time "
     "fairly between users by it"},
    {"XDG_CACHE_HOME",
     "The local result cache is $XDG_CACHE_HOME/clang-dist unless the "
     "config's cache-dir says otherwise"},
    {"HOME", "Without XDG_CACHE_HOME, the local result cache is "
             "$HOME/.cache/clang-dist"},
    {"PATH", "Where COMPILER of the launcher form is looked for when it has "
             "no '/'"},
    {"TMPDIR", "The blob cache of the server's own worker is in it"},
};

/// Longer misspellings are someone else's option, or none.
constexpr unsigned MaxTypoDistance = 2;

/// One entry of the help: \p Name, then \p Text from column 26 (as clang's
/// help has it), wrapped at 80 columns.
void printEntry(llvm::raw_ostream &OS, llvm::StringRef Name,
                llvm::StringRef Text) {
  constexpr size_t Column = 26, Width = 80;
  OS << "  " << Name;
  size_t At = 2 + Name.size();
  if (At + 1 >= Column) {
    OS << '\n';
    At = 0;
  }
  OS.indent(Column - At);
  At = Column;
  llvm::SmallVector<llvm::StringRef, 32> Words;
  llvm::SplitString(Text, Words);
  for (size_t I = 0; I < Words.size(); ++I) {
    if (I > 0 && At + 1 + Words[I].size() > Width) {
      OS << '\n';
      OS.indent(Column);
      At = Column;
    } else if (I > 0) {
      OS << ' ';
      ++At;
    }
    OS << Words[I];
    At += Words[I].size();
  }
  OS << '\n';
}

/// The option of clang-dist's that \p Arg most likely misspells, if any: a
/// near miss ("--distributd"), or the option with one dash ("-distributed").
const ClientOptionInfo *misspelledClientOption(llvm::StringRef Arg) {
  llvm::StringRef Name = Arg.split('=').first;
  if (!Name.startswith("--")) {
    for (const ClientOptionInfo &Option : clientOptionTable())
      if (Name.startswith("-") && Name == Option.Spelling.drop_front())
        return &Option;
    return nullptr;
  }
  const ClientOptionInfo *Nearest = nullptr;
  unsigned Best = MaxTypoDistance + 1;
  for (const ClientOptionInfo &Option : clientOptionTable()) {
    unsigned Distance = Name.edit_distance(Option.Spelling, true, Best);
    if (Distance < Best) {
      Best = Distance;
      Nearest = &Option;
    }
  }
  return Nearest;
}

/// Whether clang's driver reads \p A, spelled \p Raw, as an option it
/// knows by that whole name: clang calls unknown arguments that start with
/// "--" unsupported (OPT__), the rest unknown, and reads "-distributed" as
/// its -d with a value.
bool isClangOption(const llvm::opt::Arg &A, llvm::StringRef Raw) {
  if (A.getOption().matches(options::OPT__) ||
      A.getOption().matches(options::OPT_UNKNOWN))
    return false;
  return Raw.startswith("--") ||
         A.getSpelling().rtrim('=') == Raw.split('=').first;
}

bool mayMatter(llvm::StringRef Arg) {
  return Arg == "--help" || Arg == "-help" || Arg == "--help-hidden" ||
         Arg == "--version" || misspelledClientOption(Arg);
}

} // namespace

llvm::Expected<OwnOutput>
clang::dist::ownOutput(llvm::ArrayRef<const char *> Args) {
  // clang's parse costs more than this look at each argument, and only a
  // command line that asks for help or has a near miss of ours needs it.
  if (llvm::none_of(Args.drop_front(), mayMatter))
    return OwnOutput::None;
  // A gcc-compatible driver's view (clang-dist is no cl or flang).
  unsigned MissingIndex, MissingCount;
  llvm::opt::InputArgList Parsed = clang::driver::getDriverOptTable().ParseArgs(
      Args.drop_front(), MissingIndex, MissingCount, /*FlagsToInclude=*/0,
      options::NoDriverOption | options::CLOption | options::FlangOnlyOption |
          options::DXCOption);

  for (const llvm::opt::Arg *A : Parsed) {
    llvm::StringRef Raw = Parsed.getArgString(A->getIndex());
    const ClientOptionInfo *Nearest = misspelledClientOption(Raw);
    if (Nearest && !isClangOption(*A, Raw))
      return llvm::createStringError(
          std::make_error_code(std::errc::invalid_argument),
          "unknown argument '%s'; did you mean '%s'?", Raw.str().c_str(),
          (Nearest->Spelling + Raw.drop_front(Raw.split('=').first.size()))
              .str()
              .c_str());
  }

  // The order of clang's Driver::HandleImmediateArgs, which prints the first
  // of these only.
  if (Parsed.hasArg(options::OPT_dumpmachine, options::OPT_dumpversion,
                    options::OPT__print_diagnostic_categories))
    return OwnOutput::None;
  if (Parsed.hasArg(options::OPT_help, options::OPT__help_hidden))
    return OwnOutput::HelpFirst;
  if (Parsed.hasArg(options::OPT__version))
    return OwnOutput::VersionAfter;
  return OwnOutput::None;
}

int clang::dist::reportClientError(llvm::Error E) {
  llvm::errs() << "clang-dist: error: " << llvm::toString(std::move(E)) << '\n';
  return 1;
}

void clang::dist::printClientHelp(llvm::raw_ostream &OS) {
  OS << "OVERVIEW: clang-dist: clang 16 with its compiles run on "
        "clang-dist-worker\n"
        "          processes, on this machine or on a build farm\n\n"
        "USAGE: clang-dist [clang-dist options] [clang options] file...\n"
        "       clang-dist [clang-dist options] COMPILER ARGS...\n"
        "         as a compiler launcher (CMake) or prefix (ccache): "
        "clang-dist if\n"
        "         COMPILER is clang 16, else COMPILER runs unchanged\n\n"
        "CLANG-DIST OPTIONS:\n";
  for (const ClientOptionInfo &Option : clientOptionTable())
    printEntry(OS,
               Option.TakesValue
                   ? (Option.Spelling + " " + Option.MetaVar).str()
                   : Option.Spelling.str(),
               Option.HelpText);
  OS << "\nENVIRONMENT:\n";
  for (const EnvironmentVariable &Variable : Environment)
    printEntry(OS, Variable.Name, Variable.HelpText);
  OS << "\nclang's own help follows.\n\n";
}

void clang::dist::printClientVersion(llvm::raw_ostream &OS) {
  OS << versionLine("clang-dist") << '\n';
}
