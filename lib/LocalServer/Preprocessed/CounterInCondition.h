//===- LocalServer/Preprocessed/CounterInCondition.h - #if ------*- C++ -*-===//
//
// A preprocessing on the server that evaluates #if without the code between
// the directives (the include rewriter, a scan of directives) advances
// __COUNTER__ differently from the compile: a condition on it may go the
// other way, and with it what gets included.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_COUNTERINCONDITION_H
#define CLANG_DIST_LOCALSERVER_COUNTERINCONDITION_H

#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"

namespace clang::dist {

class CounterInCondition : public PPCallbacks {
public:
  CounterInCondition(const Preprocessor &PP, bool &Seen) : PP(PP), Seen(Seen) {}

  void MacroExpands(const Token &Name, const MacroDefinition &, SourceRange,
                    const MacroArgs *) override {
    const IdentifierInfo *II = Name.getIdentifierInfo();
    if (II && II->getName() == "__COUNTER__" && PP.isParsingIfOrElifDirective())
      Seen = true;
  }

private:
  const Preprocessor &PP;
  bool &Seen;
};

} // namespace clang::dist

#endif
