//===- Policy/Distributable.cpp - What a worker may run -------------------===//

#include "Policy/Distributable.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Driver/Options.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Option/ArgList.h"
#include "llvm/Option/OptTable.h"
#include "llvm/Support/ErrorHandling.h"

using namespace clang;
using namespace clang::dist;

namespace {

enum class Rule : uint8_t { Refused, Allowed, AllowedIfSharedDisk };

/// WorkerOptions.def by option ID, resolved once.
class OptionRules {
public:
  OptionRules()
      : Table(driver::getDriverOptTable()),
        Rules(Table.getNumOptions() + 1, Rule::Refused) {
    llvm::StringMap<unsigned> ByName;
    for (unsigned ID = 1; ID <= Table.getNumOptions(); ++ID) {
      llvm::opt::Option O = Table.getOption(ID);
      if (O.hasFlag(driver::options::CC1Option) && !O.getAlias().isValid())
        ByName[O.getPrefixedName()] = ID;
    }
    auto Set = [&](llvm::StringRef Spelling, Rule R) {
      unsigned ID = ByName.lookup(Spelling);
      // The list is checked against the clang it was built with: a spelling
      // that names no cc1 option is a mistake in the list.
      if (!ID)
        llvm::report_fatal_error("WorkerOptions.def: '" + Spelling +
                                 "' is not a cc1 option of this clang");
      Rules[ID] = R;
    };
#define ALLOW(Spelling) Set(Spelling, Rule::Allowed);
#define ALLOW_IF_SHARED_DISK(Spelling) Set(Spelling, Rule::AllowedIfSharedDisk);
#include "Policy/WorkerOptions.def"
    // The source file.
    Rules[driver::options::OPT_INPUT] = Rule::Allowed;
  }

  /// Why \p Args holds an option \p SharesDisk does not allow, or "".
  std::string whyNot(llvm::ArrayRef<const char *> Args, bool SharesDisk) const {
    unsigned MissingIndex, MissingCount;
    llvm::opt::InputArgList Parsed = Table.ParseArgs(
        Args, MissingIndex, MissingCount, driver::options::CC1Option);
    for (const llvm::opt::Arg *A : Parsed) {
      Rule R = Rules[A->getOption().getID()];
      if (R == Rule::Allowed || (R == Rule::AllowedIfSharedDisk && SharesDisk))
        continue;
      std::string Spelled = A->getAsString(Parsed);
      // A log line, not a copy of whatever a peer sent.
      if (Spelled.size() > 200)
        Spelled = Spelled.substr(0, 200) + "...";
      return R == Rule::Refused
                 ? "option '" + Spelled + "' is not one a worker runs"
                 : "option '" + Spelled +
                       "' makes clang read a file from the disk itself";
    }
    return "";
  }

private:
  const llvm::opt::OptTable &Table;
  std::vector<Rule> Rules;
};

} // namespace

std::string clang::dist::whyNotDistributable(llvm::ArrayRef<const char *> Args,
                                             const CompilerInvocation &Inv,
                                             bool SharesDisk) {
  static const OptionRules Options;
  if (std::string Why = Options.whyNot(Args, SharesDisk); !Why.empty())
    return Why;
  // The client's own descriptors and process (`clang -c <(generate)`, `-o
  // /dev/stdout`): no other process finds the same file at that path,
  // neither a worker nor the server, even on the same machine.
  for (llvm::StringRef Arg : Args)
    for (llvm::StringRef Own :
         {"/dev/fd/", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/proc/self/",
          "/proc/thread-self/"})
      if (Arg.contains(Own))
        return "'" + Arg.str() + "' names a file of the client's process";
  // What the options alone do not say.
  const FrontendOptions &FO = Inv.getFrontendOpts();
  switch (FO.ProgramAction) {
  case frontend::EmitObj:
  case frontend::EmitBC:
  case frontend::EmitAssembly:
  case frontend::EmitLLVM:
    break;
  default:
    return "not a compile to an object, bitcode or assembly file";
  }
  if (FO.Inputs.size() != 1 || !FO.Inputs[0].isFile() ||
      FO.Inputs[0].getFile() == "-")
    return "input is not exactly one file";
  InputKind Kind = FO.Inputs[0].getKind();
  if (Kind.isPreprocessed() || Kind.getFormat() != InputKind::Source)
    return "input is not C, C++ or Objective-C source";
  switch (Kind.getLanguage()) {
  case Language::C:
  case Language::CXX:
  case Language::ObjC:
  case Language::ObjCXX:
    break;
  default:
    return "input language is not C, C++ or Objective-C";
  }
  if (FO.OutputFile.empty() || FO.OutputFile == "-")
    return "output goes to standard output";
  if (Inv.getDependencyOutputOpts().OutputFile == "-")
    return "prints include information";
  if (llvm::any_of(FO.LLVMArgs,
                   [](const std::string &A) { return A != DriverLLVMArg; }))
    return "sets LLVM options (-mllvm)";
  const DiagnosticOptions &DO = Inv.getDiagnosticOpts();
  // The real path of a header is the client's to resolve.
  if (DO.AbsolutePath)
    return "prints diagnostics with absolute paths";
  // clang 16's SARIF writer crashes on the locations of rewritten source,
  // and now and then in a compile from the sources too.
  if (DO.getFormat() == DiagnosticOptions::SARIF)
    return "prints diagnostics as SARIF";
  return "";
}
