# Debian packages, built with CPack's DEB generator from a configured build
# tree: `cpack -G DEB` (docs/BUILD.md, "The Debian packages"). One package per
# install component (cmake/Install.cmake):
#   clang-dist         the client, its server and the docs; the server starts
#                      a worker of its own, so it depends on
#   clang-dist-worker  the worker alone, for farm machines.
# Dependencies: the shared libraries the programs link (dpkg-shlibdeps: the
# worker's libclang-cpp16 and libllvm16), and clang-16 for the client, which
# runs it for the jobs it keeps and uses its resource directory.

set(CLANG_DIST_PACKAGE_MAINTAINER "clang-dist maintainers <maintainers@clang-dist.invalid>"
  CACHE STRING "The Debian packages' Maintainer field")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME clang-dist)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Installed to /usr under DESTDIR, not to a staging prefix: the prefix is
# /usr when the install rules look (cmake/Install.cmake's /etc).
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL client worker)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${CLANG_DIST_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
# The build's binaries carry their debug information.
set(CPACK_STRIP_FILES ON)
# Debian's directories are 0755 whatever the umask.
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
  WORLD_READ WORLD_EXECUTE)

set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME clang-dist)
set(CPACK_COMPONENT_CLIENT_DEPENDS worker)
set(CPACK_DEBIAN_CLIENT_PACKAGE_DEPENDS clang-${LLVM_VERSION_MAJOR})
set(CPACK_DEBIAN_CLIENT_DESCRIPTION "distributed C/C++ compiler built into clang ${LLVM_VERSION_MAJOR}
clang-dist is run wherever a build would run clang-${LLVM_VERSION_MAJOR}, and
compiles on workers of this machine or of a farm. The objects, dependency
files, diagnostics and exit codes are those of clang-${LLVM_VERSION_MAJOR}.
.
This package holds the client (clang-dist, clang-dist++), the local server it
starts, and the documentation.")

set(CPACK_DEBIAN_WORKER_PACKAGE_NAME clang-dist-worker)
set(CPACK_DEBIAN_WORKER_DESCRIPTION "worker of the clang-dist distributed compiler
clang-dist is run wherever a build would run clang-${LLVM_VERSION_MAJOR}, and
compiles on workers of this machine or of a farm.
.
This package holds the worker (clang-dist-worker, and clangd-slave, its
older name) that a farm machine runs; the clang-dist package uses it on the
local machine.")

# What Debian asks of every package (EXCLUDE_FROM_ALL: cpack installs each
# component by name, and `cmake --install` without one leaves them out).
string(TIMESTAMP CLANG_DIST_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
foreach(component client worker)
  string(TOUPPER ${component} upper)
  set(package ${CPACK_DEBIAN_${upper}_PACKAGE_NAME})
  set(dir ${CMAKE_BINARY_DIR}/debian/${package})
  set(CPACK_PACKAGE_NAME ${package})
  configure_file(cmake/debian/changelog.in ${dir}/changelog @ONLY)
  execute_process(COMMAND gzip -9n -f ${dir}/changelog COMMAND_ERROR_IS_FATAL ANY)
  install(FILES ${dir}/changelog.gz cmake/debian/copyright
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package}
    COMPONENT ${component} EXCLUDE_FROM_ALL)
  if(EXISTS ${PROJECT_SOURCE_DIR}/cmake/debian/${package}.lintian-overrides)
    install(FILES cmake/debian/${package}.lintian-overrides
      DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides
      RENAME ${package} COMPONENT ${component} EXCLUDE_FROM_ALL)
  endif()
endforeach()
set(CPACK_PACKAGE_NAME clang-dist)
if(CLANG_DIST_CONFFILES)
  file(WRITE ${CMAKE_BINARY_DIR}/debian/clang-dist-worker/conffiles
    ${CLANG_DIST_CONFFILES})
  set(CPACK_DEBIAN_WORKER_PACKAGE_CONTROL_EXTRA
    ${CMAKE_BINARY_DIR}/debian/clang-dist-worker/conffiles)
endif()

include(CPack)
