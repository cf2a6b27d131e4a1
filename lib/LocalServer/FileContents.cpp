//===- LocalServer/FileContents.cpp - One version of one file -------------===//

#include "LocalServer/FileContents.h"
#include "Protocol/Compression.h"

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

std::string clang::dist::includeTimePragma(llvm::StringRef Text) {
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
