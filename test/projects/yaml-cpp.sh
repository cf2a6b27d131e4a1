# test/projects/yaml-cpp.sh - yaml-cpp 0.7.0 (C++, CMake), for run-project.sh.
#
# Why yaml-cpp: real-world C++11 (templates, exceptions, the standard
# library, warnings through chains of headers: its build prints -Wshadow
# warnings), built by CMake, whose configure runs the compiler through its
# own probes (compiler identification, ABI and implicit include directories
# from 'clang -v') and whose Makefile generator keeps clang's -MD files
# (*.o.d); 51 translation units including Debian's googletest/googlemock
# sources (/usr/src/googletest, as Debian's package builds them), one of
# them a generated 11,000-line test; a gtest suite of ~900 tests that runs
# in a few seconds. See sed.sh for what a project file defines.

PROJECT_PACKAGE=yaml-cpp
PROJECT_LANGUAGE=C++
PROJECT_BUILD_SYSTEM="CMake, Unix Makefiles"
PROJECT_SOURCE_CHECK=src/parser.cpp

# Debian's shared-library build (debian/rules' build-shared) with its tests:
# CMake does not read CPPFLAGS, so debhelper appends them to C(XX)FLAGS.
project_configure() {
  CC="$CC_CMD" CXX="$CXX_CMD" LDFLAGS="$P_LDFLAGS" cmake -S "$SRC" -B . -G "Unix Makefiles" \
    -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_VERBOSE_MAKEFILE=ON \
    -DCMAKE_C_FLAGS="$P_CFLAGS $P_CPPFLAGS" -DCMAKE_CXX_FLAGS="$P_CXXFLAGS $P_CPPFLAGS" \
    -DYAML_CPP_BUILD_TOOLS=ON -DYAML_CPP_BUILD_TESTS=ON -DYAML_BUILD_SHARED_LIBS=ON \
    -Dgtest_disable_pthreads=OFF -DINSTALL_GTEST=OFF
}

project_build() {
  make -j"$JOBS" -Otarget all
}

project_test() {
  ctest -V
}
project_test_summary() {
  grep -E 'tests passed|tests failed|\[  (PASSED|FAILED)  \]' || true
}
project_test_failures() {
  grep -E '^\[  FAILED  \]|\*\*\*Failed|Failed  ' || true
}

# clang's own -MD files, which CMake's Makefile generator keeps (Ninja would
# fold them into .ninja_deps).
project_depfiles() {
  find . -type f -name '*.o.d'
}

# What CMake found out about the compilers, and every target's compile flags.
project_config_files() {
  find . -type f \( -path './CMakeFiles/[0-9]*/CMake*Compiler.cmake' -o -name flags.make \) | sed 's|^\./||'
}
# CMake looks for llvm-ar-16/llvm-ranlib-16 beside a compiler named clang-16
# and for unsuffixed ones beside clang-dist: a difference of the compilers'
# names, not of what they do (it only picks the archiver).
project_normalize_config() { # KIND
  normalize_compilers "$1" |
    sed -e 's/^set(CMAKE_\([A-Z]*\)_COMPILER_ARG1 .*)$/set(CMAKE_\1_COMPILER_ARG1 @ARGS@)/' \
      -e 's/^set(\(CMAKE_[A-Z_]*\(AR\|RANLIB\)\) "[^"]*")$/set(\1 @FOUND-BY-COMPILER-NAME@)/'
}
