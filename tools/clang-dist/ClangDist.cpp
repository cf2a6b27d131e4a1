//===- clang-dist/ClangDist.cpp - The distributed clang driver ------------===//
//
// clang-dist [--distributed FILE] <clang arguments>
//
// Runs once per compile, so it starts like a small program: linked statically
// with only the parts of clang and LLVM a driver needs (docs/PERFORMANCE.md),
// not with libclang-cpp and libLLVM, whose loading alone costs ~28 ms.
//
//===----------------------------------------------------------------------===//

#include "Driver/DistDriver.h"
#include "llvm/Support/InitLLVM.h"

using namespace clang::dist;

int main(int Argc, const char **Argv) {
  llvm::InitLLVM X(Argc, Argv);
  return runDistDriver(llvm::ArrayRef(Argv, Argc));
}
