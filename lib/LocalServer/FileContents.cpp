//===- LocalServer/FileContents.cpp - One version of one file -------------===//

#include "LocalServer/FileContents.h"
#include "Protocol/Compression.h"
#include "llvm/ADT/StringExtras.h"

using namespace clang;
using namespace clang::dist;

const ContentDigest &FileContents::digest() {
  std::call_once(DigestOnce, [&] { Digest = digestContents(bytes()); });
  return Digest;
}

const std::string &FileContents::compressed() {
  std::call_once(CompressedOnce, [&] { Compressed = compress(bytes()); });
  return Compressed;
}

std::optional<llvm::ArrayRef<dependency_directives_scan::Directive>>
FileContents::directives() {
  std::call_once(DirectivesOnce, [&] {
    // The scanner returns true when it fails.
    Minimized = !scanSourceForDependencyDirectives(bytes(), Tokens, Directives);
  });
  if (!Minimized)
    return std::nullopt;
  return llvm::ArrayRef(Directives);
}

const TextHazards &FileContents::hazards() {
  std::call_once(HazardsOnce, [&] { Hazards = findTextHazards(bytes()); });
  return Hazards;
}

namespace {

/// Why a _Pragma operator in \p Text would act while includes are resolved,
/// or "" if none does: _Pragma("once"), push_macro, pop_macro, poison and
/// system_header change what later directives see.
std::string includeTimePragma(llvm::StringRef Text) {
  for (size_t Pos = Text.find("_Pragma"); Pos != llvm::StringRef::npos;
       Pos = Text.find("_Pragma", Pos + 1)) {
    llvm::StringRef Rest = Text.drop_front(Pos + 7).ltrim();
    if (!Rest.consume_front("("))
      continue;
    Rest = Rest.ltrim();
    Rest.consume_front("L");
    if (!Rest.consume_front("\""))
      continue;
    llvm::StringRef Pragma = Rest.take_until([](char C) { return C == '"'; });
    Pragma = Pragma.ltrim();
    Pragma.consume_front("GCC");
    Pragma.consume_front("clang");
    Pragma = Pragma.ltrim();
    for (llvm::StringRef Name :
         {"once", "push_macro", "pop_macro", "poison", "system_header"})
      if (Pragma.startswith(Name))
        return ("uses _Pragma(\"" + Name +
                "\"), which must act while "
                "includes are resolved")
            .str();
  }
  return "";
}

llvm::StringRef nextWord(llvm::StringRef &Line) {
  Line = Line.ltrim(" \t");
  llvm::StringRef Word =
      Line.take_while([](char C) { return llvm::isAlnum(C) || C == '_'; });
  Line = Line.drop_front(Word.size());
  return Word;
}

/// The directives after which the include rewriter writes a line marker.
constexpr llvm::StringLiteral MarkedDirectives[] = {
    "include", "include_next", "import", "if", "elif", "else", "endif"};

/// Looks at each line that starts with '#'. A line inside a comment or an
/// #if 0 block counts too, which costs only speed.
void findDirectiveHazards(llvm::StringRef Text, TextHazards &Hazards) {
  bool SawLineDirective = false;
  while (!Text.empty()) {
    auto [Line, Rest] = Text.split('\n');
    Text = Rest;
    Line = Line.ltrim(" \t");
    if (!Line.consume_front("#"))
      continue;
    Line = Line.ltrim(" \t");
    if (!Line.empty() && llvm::isDigit(Line.front())) {
      SawLineDirective = true;
      Hazards.LineMarker = true;
      continue;
    }
    llvm::StringRef Name = nextWord(Line);
    if (Name == "line") {
      SawLineDirective = true;
      continue;
    }
    if (llvm::is_contained(MarkedDirectives, Name)) {
      Hazards.LineDirective |= SawLineDirective;
      continue;
    }
    if (Name != "pragma")
      continue;
    llvm::StringRef Namespace = nextWord(Line);
    if (Namespace == "once") {
      Hazards.LineDirective |= SawLineDirective;
      continue;
    }
    if (Namespace != "GCC" && Namespace != "clang")
      continue;
    llvm::StringRef Pragma = nextWord(Line);
    if (Pragma == "system_header") {
      Hazards.SystemHeaderPragma = true;
      Hazards.LineDirective |= SawLineDirective;
    } else if (Pragma == "diagnostic") {
      llvm::StringRef Severity = nextWord(Line);
      if (Severity == "warning" || Severity == "error")
        Hazards.SeverityPragma = true;
    }
  }
}

} // namespace

TextHazards clang::dist::findTextHazards(llvm::StringRef Text) {
  TextHazards Hazards;
  Hazards.IncludeTimePragma = includeTimePragma(Text);
  Hazards.MentionsTimestamp = Text.contains("__TIMESTAMP__");
  findDirectiveHazards(Text, Hazards);
  return Hazards;
}
