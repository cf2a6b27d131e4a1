//===- unittests/Support/LogTest.cpp - The one logging entry point --------===//
//
// Levels (what is dropped, the words a file's lines carry), the levels'
// names, and the rotation of a file that several processes write, each with
// its own descriptor (a worker's supervisor and slots), played here by two
// loggers of one path.
//
//===----------------------------------------------------------------------===//

#include "Support/Log.h"
#include "TempDir.h"
#include "llvm/ADT/StringRef.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;

namespace {

Logger open(const std::string &Path) {
  auto Log = Logger::openFile(Path, "test");
  REQUIRE(static_cast<bool>(Log));
  return std::move(*Log);
}

/// Each line of \p Path, without the time before the component.
std::vector<std::string> lines(const std::string &Path) {
  std::vector<std::string> Lines;
  std::string Contents = readFile(Path);
  llvm::StringRef Text = Contents;
  while (!Text.empty()) {
    auto [Line, Rest] = Text.split('\n');
    Lines.push_back(Line.substr(Line.find(" test[")).str());
    Text = Rest;
  }
  return Lines;
}

} // namespace

TEST_CASE("Log levels: a file's lines name all but info, less is dropped") {
  TempDir T;
  Logger Log = open(T.file("log"));
  Log.setLevel(LogLevel::Warning);
  Log.log(LogLevel::Error, "one");
  Log.log(LogLevel::Warning, "two");
  Log.log(LogLevel::Info, "three");
  Log.log("four");
  Log.setLevel(LogLevel::Info);
  Log.log("five");
  std::string Pid = std::to_string(::getpid());
  CHECK(lines(T.file("log")) ==
        std::vector<std::string>{" test[" + Pid + "] error: one",
                                 " test[" + Pid + "] warning: two",
                                 " test[" + Pid + "] five"});
}

TEST_CASE("Log levels by name, as --log-level takes them") {
  CHECK(parseLogLevel("error") == LogLevel::Error);
  CHECK(parseLogLevel("warning") == LogLevel::Warning);
  CHECK(parseLogLevel("info") == LogLevel::Info);
  CHECK_FALSE(parseLogLevel("debug"));
  CHECK_FALSE(parseLogLevel("INFO"));
}

TEST_CASE("A log file others rotate too: each rotation keeps the file before") {
  TempDir T;
  std::string Path = T.file("log");
  Logger First = open(Path), Second = open(Path);
  First.rotateAt(100, /*AndStderr=*/false);
  Second.rotateAt(100, /*AndStderr=*/false);
  // Past 100 bytes: the first rotates after its write.
  First.log(std::string(120, 'a'));
  CHECK(lines(Path + ".1").size() == 1);
  CHECK(lines(Path).empty());
  // The second still holds the renamed file, full: it follows the first to
  // the new one instead of renaming that over the first's.
  Second.log("b");
  CHECK(lines(Path + ".1").size() == 2);
  First.log("c");
  Second.log("d");
  std::vector<std::string> Now = lines(Path);
  REQUIRE(Now.size() == 2);
  CHECK(llvm::StringRef(Now[0]).endswith("] c"));
  CHECK(llvm::StringRef(Now[1]).endswith("] d"));
}
