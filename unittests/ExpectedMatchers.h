//===- unittests/ExpectedMatchers.h - llvm::Expected in Catch2 --*- C++ -*-===//

#ifndef CLANG_DIST_UNITTESTS_EXPECTEDMATCHERS_H
#define CLANG_DIST_UNITTESTS_EXPECTEDMATCHERS_H

#include "llvm/Support/Error.h"
#include <catch2/catch.hpp>
#include <string>

namespace clang::dist::test {

/// The value, or a failed test naming the error.
template <typename T> T unwrap(llvm::Expected<T> Value) {
  if (!Value)
    FAIL("unexpected error: " << llvm::toString(Value.takeError()));
  return std::move(*Value);
}

/// The error's text, or a marker that no Contains() check will accept.
template <typename T> std::string errorText(llvm::Expected<T> Value) {
  if (Value)
    return "<no error>";
  return llvm::toString(Value.takeError());
}

} // namespace clang::dist::test

#endif
