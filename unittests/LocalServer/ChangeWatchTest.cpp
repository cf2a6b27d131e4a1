//===- unittests/LocalServer/ChangeWatchTest.cpp - Changed paths ----------===//
//
// An answer about a path is trusted without a stat only while no event touched
// the path or a directory on the way to it. Each case makes one kind of change
// a build could make (a header rewritten or touched, created where it was
// missing, a directory renamed away and made anew) and requires it to be seen,
// and a change elsewhere not to be. Needs a local file system under
// $TMPDIR, as a build directory is.
//
//===----------------------------------------------------------------------===//

#include "LocalServer/ChangeWatch.h"
#include "TempDir.h"
#include "llvm/Support/FileSystem.h"
#include <catch2/catch.hpp>
#include <fstream>
#include <sys/stat.h>
#include <utime.h>

using namespace clang::dist;
using clang::dist::test::TempDir;

namespace {

bool changed(ChangeWatch &W, const std::string &Path,
             ChangeWatch::Generation Since) {
  return W.mayHaveChanged({{Path, Since}}).front();
}

} // namespace

TEST_CASE("ChangeWatch: a file nothing touched has not changed",
          "[ChangeWatch]") {
  TempDir D;
  D.write("a.h", "int a;\n");
  D.write("b.h", "int b;\n");
  ChangeWatch W;
  ChangeWatch::Generation Since = W.watch(D.file("a.h"));
  REQUIRE(Since != 0);
  CHECK(!changed(W, D.file("a.h"), Since));

  SECTION("a change to another file of the directory is not one to it") {
    D.write("b.h", "int bb;\n");
    D.write("new.h", "\n");
    CHECK(!changed(W, D.file("a.h"), Since));
  }
  SECTION("a rewrite is seen") {
    D.write("a.h", "int A;\n");
    CHECK(changed(W, D.file("a.h"), Since));
  }
  SECTION("a touch is seen") {
    REQUIRE(::utime(D.file("a.h").c_str(), nullptr) == 0);
    CHECK(changed(W, D.file("a.h"), Since));
  }
  SECTION("a replacement by rename is seen") {
    D.write("a.h.tmp", "int a;\n");
    REQUIRE(::rename(D.file("a.h.tmp").c_str(), D.file("a.h").c_str()) == 0);
    CHECK(changed(W, D.file("a.h"), Since));
  }
  SECTION("a later watch starts after the change") {
    D.write("a.h", "int A;\n");
    ChangeWatch::Generation Later = W.watch(D.file("a.h"));
    CHECK(!changed(W, D.file("a.h"), Later));
  }
}

TEST_CASE("ChangeWatch: a missing file that appears is seen", "[ChangeWatch]") {
  TempDir D;
  ChangeWatch W;
  SECTION("in a directory that exists") {
    ChangeWatch::Generation Since = W.watch(D.file("gen.h"));
    REQUIRE(Since != 0);
    CHECK(!changed(W, D.file("gen.h"), Since));
    D.write("gen.h", "\n");
    CHECK(changed(W, D.file("gen.h"), Since));
  }
  SECTION("in a directory that does not exist yet") {
    ChangeWatch::Generation Since = W.watch(D.file("sub/dir/gen.h"));
    REQUIRE(Since != 0);
    CHECK(!changed(W, D.file("sub/dir/gen.h"), Since));
    REQUIRE(::mkdir(D.file("sub").c_str(), 0755) == 0);
    CHECK(changed(W, D.file("sub/dir/gen.h"), Since));
  }
}

TEST_CASE("ChangeWatch: a directory renamed away and made anew",
          "[ChangeWatch]") {
  TempDir D;
  REQUIRE(::mkdir(D.file("inc").c_str(), 0755) == 0);
  D.write("inc/x.h", "1\n");
  ChangeWatch W;
  ChangeWatch::Generation Since = W.watch(D.file("inc/x.h"));
  REQUIRE(Since != 0);
  REQUIRE(::rename(D.file("inc").c_str(), D.file("old").c_str()) == 0);
  CHECK(changed(W, D.file("inc/x.h"), Since));

  // The new directory is watched afresh, not through the old one's watch
  // (which now follows the renamed directory).
  REQUIRE(::mkdir(D.file("inc").c_str(), 0755) == 0);
  D.write("inc/x.h", "2\n");
  ChangeWatch::Generation Again = W.watch(D.file("inc/x.h"));
  REQUIRE(Again != 0);
  D.write("old/x.h", "3\n");
  CHECK(!changed(W, D.file("inc/x.h"), Again));
  D.write("inc/x.h", "4\n");
  CHECK(changed(W, D.file("inc/x.h"), Again));
}

TEST_CASE("ChangeWatch: paths through '..' and links", "[ChangeWatch]") {
  // As clang spells libstdc++'s headers:
  // /usr/lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/vector.
  TempDir D;
  REQUIRE(::mkdir(D.file("real").c_str(), 0755) == 0);
  REQUIRE(::mkdir(D.file("other").c_str(), 0755) == 0);
  REQUIRE(::mkdir(D.file("real/sub").c_str(), 0755) == 0);
  D.write("real/x.h", "1\n");
  D.write("other/x.h", "1\n");
  REQUIRE(::symlink("real", D.file("link").c_str()) == 0);
  ChangeWatch W;
  std::string Dotted = D.file("link/sub/../x.h");
  ChangeWatch::Generation Since = W.watch(Dotted);
  REQUIRE(Since != 0);
  CHECK(!changed(W, Dotted, Since));

  SECTION("the file, under its other name") {
    D.write("real/x.h", "2\n");
    CHECK(changed(W, Dotted, Since));
  }
  SECTION("the link, pointed elsewhere") {
    REQUIRE(::symlink("other", D.file("link2").c_str()) == 0);
    REQUIRE(::rename(D.file("link2").c_str(), D.file("link").c_str()) == 0);
    CHECK(changed(W, Dotted, Since));
  }
  SECTION("a directory on the way, replaced") {
    REQUIRE(::rename(D.file("real/sub").c_str(), D.file("old-sub").c_str()) ==
            0);
    CHECK(changed(W, Dotted, Since));
  }
  SECTION("another file") {
    D.write("other/x.h", "2\n");
    CHECK(!changed(W, Dotted, Since));
  }
}

TEST_CASE("ChangeWatch: relative paths and empty components are never "
          "trusted",
          "[ChangeWatch]") {
  TempDir D;
  D.write("a.h", "\n");
  ChangeWatch W;
  for (std::string Path : {D.Path + "//a.h", std::string("relative/a.h"),
                           D.Path + "/", std::string("/")}) {
    INFO(Path);
    CHECK(W.watch(Path) == 0);
    CHECK(changed(W, Path, 0));
  }
}
