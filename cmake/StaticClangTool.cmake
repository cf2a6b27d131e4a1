# clang_dist_static_tool(NAME [STATIC_LIBC] SOURCES src... LIBRARIES lib...
#                        CLANG clangLib...)
#
# A program that starts once per compile job, or once per build, must not
# pay for loading libclang-cpp and libLLVM at every start: ~25 ms of CPU in
# their relocations and option registries. Such a program is linked
# statically, from the archives of the clang and LLVM parts it uses, named by
# path: Debian's imported clang targets link the shared ones. LIBRARIES are
# the clang-dist libraries its sources use; those they link come with them
# (cmake/ClangDistLibrary.cmake), compiled once for every program.
#
# What is left of a start is the kernel's exec and the dynamic loader's work,
# so nothing is left to the loader: no position-independent executable (a PIE
# of the client's size has ~240,000 relative relocations, each a write to a
# page at every start; PIE code in its objects costs nothing, as
# ClangDistLibrary.cmake says) and no shared library at all (binding and
# mapping libc and libm was a fifth of what remained of the client: 1.85 ms of
# CPU per zeromq compile, 1.45 ms static; docs/PERFORMANCE.md). glibc warns
# that LLVM's ~ expansion (getpwnam_r) loads the system's NSS modules at run
# time: they are those of the glibc it is linked with, on the machine that
# builds it. Only a program that resolves no host names (STATIC_LIBC) takes
# that: getaddrinfo loads NSS modules (DNS, mDNS, systemd) that a static libc
# cannot host safely. The others link libc and libm dynamically, and whatever
# else only if used. The sanitizers' runtimes need the dynamic loader, so a
# sanitizer build links libc dynamically everywhere.

execute_process(COMMAND ${LLVM_TOOLS_BINARY_DIR}/llvm-config --link-static --libs all
  OUTPUT_VARIABLE clang_dist_llvm_archives OUTPUT_STRIP_TRAILING_WHITESPACE
  COMMAND_ERROR_IS_FATAL ANY)
separate_arguments(clang_dist_llvm_archives UNIX_COMMAND "${clang_dist_llvm_archives}")
# Every component: the linker takes only what the program reaches. Polly is
# not packaged as archives.
list(FILTER clang_dist_llvm_archives EXCLUDE REGEX "Polly")
execute_process(COMMAND ${LLVM_TOOLS_BINARY_DIR}/llvm-config --link-static --system-libs
  OUTPUT_VARIABLE clang_dist_llvm_system_libs OUTPUT_STRIP_TRAILING_WHITESPACE
  COMMAND_ERROR_IS_FATAL ANY)
separate_arguments(clang_dist_llvm_system_libs UNIX_COMMAND "${clang_dist_llvm_system_libs}")
# Debian ships no archive of Z3, which llvm-config names and none of these
# programs reaches.
list(FILTER clang_dist_llvm_system_libs EXCLUDE REGEX "z3")

function(clang_dist_static_tool name)
  cmake_parse_arguments(ARG "STATIC_LIBC" "" "SOURCES;LIBRARIES;CLANG" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set(clang_archives ${ARG_CLANG})
  list(TRANSFORM clang_archives PREPEND ${LLVM_LIBRARY_DIR}/lib)
  list(TRANSFORM clang_archives APPEND .a)
  target_link_directories(${name} PRIVATE ${LLVM_LIBRARY_DIR})
  if(ARG_STATIC_LIBC AND NOT CLANG_DIST_SANITIZE)
    target_link_options(${name} PRIVATE -static -Wl,--gc-sections)
  else()
    target_link_options(${name} PRIVATE -no-pie -static-libstdc++
      -static-libgcc -Wl,--as-needed -Wl,--gc-sections)
  endif()
  clang_dist_link(${name} LIBRARIES ${ARG_LIBRARIES} THEN
    -Wl,--start-group ${clang_archives} ${clang_dist_llvm_archives} -Wl,--end-group
    ${clang_dist_llvm_system_libs} Threads::Threads)
endfunction()
