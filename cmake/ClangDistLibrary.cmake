# clang_dist_library(NAME source...)
#
# A library of lib/, compiled once whatever links it. It names neither
# clang-cpp nor LLVM, shared or static: the program that links it chooses
# (clang_dist_link_shared below, clang_dist_static_tool), because one program
# must never hold both (their options register twice and abort). A static
# library, not an object library: a program that links it links those it
# links too, and takes only the objects it reaches.
#
# Its objects are the toolchain's default code, position-independent
# executable code on Debian (gcc and clang-16 build PIEs by default): that is
# the only kind every program accepts. The PIE programs (clang-dist-worker, the
# unit tests, the fuzzers) need it; in the static programs, linked -no-pie,
# the linker turns its GOT loads into direct addresses, fills the few GOT
# entries left (2 KB in clang-dist) and leaves no relocation behind. Measured against objects compiled -fno-pie for them
# alone, as they were before: as many relocations, the same start time
# (docs/BUILD.md). A second, non-PIE copy of the libraries would buy nothing
# for the third of a clean build's compile CPU it cost.
#
# A folder includes only what it links: the library's include directory holds
# one symlink named after its folder, so "Protocol/Frame.h" is found only by
# the targets that link clangDistProtocol, themselves or PUBLIC through a
# library whose headers include it.
function(clang_dist_library name)
  add_library(${name} STATIC ${ARGN})
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set(root ${CMAKE_BINARY_DIR}/include/${folder})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${root}/${folder} SYMBOLIC)
  target_include_directories(${name} PUBLIC ${root})
endfunction()

# Appends LIB and the clang-dist libraries it links, each before those it
# links, to the caller's ORDER; VISITED: those already there.
function(clang_dist_visit_library lib)
  if(lib IN_LIST visited)
    return()
  endif()
  list(APPEND visited ${lib})
  get_target_property(deps ${lib} LINK_LIBRARIES)
  foreach(dep IN LISTS deps)
    if(dep MATCHES "^clangDist")
      clang_dist_visit_library(${dep})
    endif()
  endforeach()
  list(PREPEND order ${lib})
  set(visited ${visited} PARENT_SCOPE)
  set(order ${order} PARENT_SCOPE)
endfunction()

# clang_dist_link(TARGET LIBRARIES lib... THEN item...)
#
# Links TARGET with the clang-dist LIBRARIES, the libraries they link too,
# and THEN the clang and LLVM that TARGET chose. CMake would place the
# libraries that LIBRARIES link after those items, where a static link
# cannot resolve their references to LLVM: so all of them come first, each
# before those it links.
function(clang_dist_link target)
  cmake_parse_arguments(ARG "" "" "LIBRARIES;THEN" ${ARGN})
  set(visited)
  set(order)
  foreach(lib IN LISTS ARG_LIBRARIES)
    clang_dist_visit_library(${lib})
  endforeach()
  target_link_libraries(${target} PRIVATE ${order} ${ARG_THEN})
endfunction()

# clang_dist_link_shared(TARGET lib...)
#
# A program that starts rarely (clang-dist-worker) or that tests (unit tests,
# fuzzers): the shared libclang-cpp, when the build has clang (the fuzz build
# has not, and its libraries need none), and the shared libLLVM.
function(clang_dist_link_shared target)
  set(llvm LLVM)
  if(TARGET clang-cpp)
    set(llvm clang-cpp LLVM)
  endif()
  clang_dist_link(${target} LIBRARIES ${ARGN} THEN ${llvm})
endfunction()
