//===- Worker/TimeMacroWatch.cpp - A compile that read the clock ----------===//

#include "Worker/TimeMacroWatch.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Lex/MacroInfo.h"
#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"

using namespace clang;
using namespace clang::dist;

namespace {

/// Builtin macros get the callback too, before the preprocessor expands them
/// (Preprocessor::HandleMacroExpandedIdentifier), in directives as in text.
class ClockMacros : public PPCallbacks {
public:
  ClockMacros(Preprocessor &PP, bool &Expanded)
      : Date(PP.getIdentifierInfo("__DATE__")),
        Time(PP.getIdentifierInfo("__TIME__")),
        Timestamp(PP.getIdentifierInfo("__TIMESTAMP__")), Expanded(Expanded) {}
  void MacroExpands(const Token &Name, const MacroDefinition &Definition,
                    SourceRange, const MacroArgs *) override {
    const MacroInfo *Info = Definition.getMacroInfo();
    if (!Info || !Info->isBuiltinMacro())
      return;
    const IdentifierInfo *Id = Name.getIdentifierInfo();
    if (Id == Date || Id == Time || Id == Timestamp)
      Expanded = true;
  }

private:
  const IdentifierInfo *Date, *Time, *Timestamp;
  bool &Expanded;
};

} // namespace

TimeMacroWatch::TimeMacroWatch(std::unique_ptr<FrontendAction> Wrapped)
    : WrapperFrontendAction(std::move(Wrapped)) {}

bool TimeMacroWatch::BeginSourceFileAction(CompilerInstance &CI) {
  if (!WrapperFrontendAction::BeginSourceFileAction(CI))
    return false;
  // An IR input has no preprocessor, and no macros.
  if (CI.hasPreprocessor())
    CI.getPreprocessor().addPPCallbacks(
        std::make_unique<ClockMacros>(CI.getPreprocessor(), Expanded));
  return true;
}
