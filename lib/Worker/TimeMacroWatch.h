//===- Worker/TimeMacroWatch.h - A compile that read the clock --*- C++ -*-===//
//
// A compile that expanded __DATE__, __TIME__ or __TIMESTAMP__ gives another
// object every time (every second, or whenever a file's time changes), so its
// result must not be kept in the result cache. The preprocessor knows which
// macros it expanded, in the main file, a header or an #if alike, and a text
// scan would not (a macro built from __TIME__ by token pasting, one defined
// on the command line, one in a skipped #if 0).
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_TIMEMACROWATCH_H
#define CLANG_DIST_WORKER_TIMEMACROWATCH_H

#include "clang/Frontend/FrontendAction.h"

namespace clang::dist {

/// Runs \p Wrapped, the compile's own action, unchanged, and watches its
/// preprocessor for an expansion of the clock's builtin macros (not of a
/// user's macro of that name, nor __FILE__, __LINE__ or __COUNTER__).
class TimeMacroWatch : public WrapperFrontendAction {
public:
  explicit TimeMacroWatch(std::unique_ptr<FrontendAction> Wrapped);
  /// After the action ran.
  bool expandedTimeMacro() const { return Expanded; }

protected:
  bool BeginSourceFileAction(CompilerInstance &CI) override;

private:
  bool Expanded = false;
};

} // namespace clang::dist

#endif
