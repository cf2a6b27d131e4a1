# test/projects/xz-utils.sh - XZ Utils 5.4.1 (C, autotools + libtool), for
# run-project.sh.
#
# Why xz-utils: a released autotools tarball whose Debian patches touch only
# sources and translations (nothing needs autoreconf); ~200 translation units
# (liblzma's ~80 sources compiled twice by libtool, PIC for the shared library
# and non-PIC for the static one, xz, xzdec/lzmadec, lzmainfo and 12 test
# programs), quick to compile, with x86 intrinsics (CLMUL CRC) and threads; a
# configure that probes the compiler ~300 times (its results, config.h, the
# makefiles and the generated libtool script, are compared too); automake
# dependency tracking (.deps/*.Po, *.Plo); and a test suite that runs in
# seconds. (GNU projects built on gnulib, such as sed, grep or gzip, are no
# use here today: gnulib's verify.h tests __COUNTER__ in an #if, so clang-dist
# compiles every one of their translation units locally; see sed.sh.)
#
# A project file sets PROJECT_* and defines the project_* functions below;
# run-project.sh calls them in the build dir ($BLD) with the source in $SRC,
# the compilers in $CC_CMD / $CXX_CMD and the flags in $P_CFLAGS,
# $P_CXXFLAGS, $P_CPPFLAGS and $P_LDFLAGS (Debian's, from dpkg-buildflags
# with $PROJECT_DEB_BUILD_MAINT_OPTIONS).
use_automake_defaults

PROJECT_PACKAGE=xz-utils
PROJECT_LANGUAGE=C
PROJECT_BUILD_SYSTEM="autotools, libtool, make"
PROJECT_SOURCE_CHECK=src/liblzma/common/common.c
PROJECT_DEB_BUILD_MAINT_OPTIONS=hardening=+all   # as debian/rules

# Upstream's default configuration (shared and static liblzma, every tool),
# with automake's dependency tracking (Debian's dh_auto_configure disables
# it) and the full commands in the build log.
project_configure() {
  "$SRC/configure" CC="$CC_CMD" CFLAGS="$P_CFLAGS" CPPFLAGS="$P_CPPFLAGS" LDFLAGS="$P_LDFLAGS" \
    --prefix=/usr --enable-threads --enable-dependency-tracking --disable-silent-rules
}

project_test() {
  make -j"$JOBS" -k check
}

# What configure decided: config.h, every makefile config.status wrote and
# the libtool script.
project_config_files() {
  echo config.h
  echo libtool
  find . -type f -name Makefile | sed 's|^\./||'
}
project_normalize_config() { # KIND
  normalize_compilers "$1"
}
