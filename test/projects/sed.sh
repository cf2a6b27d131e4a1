# test/projects/sed.sh - GNU sed 4.9 (C, autotools + gnulib), for run-project.sh.
#
# Not registered with ctest: gnulib's lib/verify.h, which nearly every gnulib
# source includes, has '#if defined __COUNTER__ && __COUNTER__ != __COUNTER__',
# and clang-dist compiles every job that uses __COUNTER__ in an #if locally
# (docs/COMPATIBILITY.md), so build B runs all 245 compiles on the client and
# the run fails run-project.sh's check that the workers compiled nearly every
# job. 'bash test/projects/run-project.sh sed' shows it; register it in
# test/CMakeLists.txt once such jobs can be distributed.
#
# Why sed: a released autotools tarball (Debian applies one source patch, so
# nothing needs autoreconf), ~245 translation units with its test programs
# (sed 8, gnulib's lib/ 56, gnulib-tests 179, testsuite 2), each quick to
# compile; a configure that probes the compiler hundreds of times (so its
# results, config.h and the makefiles, are compared too); automake dependency
# tracking (.deps/*.Po, written by -MD -MP -MF); and a test suite (sed's own
# plus gnulib's) that runs in well under a minute.
#
# A project file sets PROJECT_* and defines the project_* functions below;
# run-project.sh calls them in the build dir ($BLD) with the source in $SRC,
# the compilers in $CC_CMD / $CXX_CMD and the flags in $P_CFLAGS,
# $P_CXXFLAGS, $P_CPPFLAGS and $P_LDFLAGS.

PROJECT_PACKAGE=sed
PROJECT_LANGUAGE=C
PROJECT_BUILD_SYSTEM="autotools, make"
PROJECT_SOURCE_CHECK=sed/sed.c
# testsuite/panic-tests.sh expects 'sed -i' to fail in a directory without
# write permission, which root can write anyway (Debian's builds are never
# root); gnulib's tests skip or adapt when root, sed's do not.
PROJECT_TEST_UNPRIVILEGED=1
PROJECT_TEST_UNPRIVILEGED_WHY="sed's panic-tests.sh needs a user that a read-only directory stops"
use_automake_defaults

# Debian's configure options (debian/rules), but with automake's dependency
# tracking (Debian's dh_auto_configure disables it) and the full commands in
# the build log.
project_configure() {
  "$SRC/configure" CC="$CC_CMD" CFLAGS="$P_CFLAGS" CPPFLAGS="$P_CPPFLAGS" LDFLAGS="$P_LDFLAGS" \
    --prefix=/usr --exec-prefix=/ --with-packager=Debian --without-included-regex \
    --enable-dependency-tracking --disable-silent-rules
}

project_test() {
  as_tester make -j"$JOBS" -k check
}

# What configure decided: config.h and every makefile config.status wrote.
project_config_files() {
  echo config.h
  find . -type f -name Makefile | sed 's|^\./||'
}
project_normalize_config() { # KIND
  normalize_compilers "$1"
}
