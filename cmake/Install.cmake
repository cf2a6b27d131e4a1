# What `cmake --install` puts beside the programs (their own install lines are
# in tools/*/CMakeLists.txt): the docs, and the man pages and systemd units if
# the tree has them. Components: "client" (clang-dist, its server, the docs)
# and "worker" (what a farm machine needs); each is a Debian package
# (cmake/Packaging.cmake).

# The README's links into docs/ hold in share/doc/clang-dist.
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT client)
file(GLOB clang_dist_docs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${clang_dist_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
  COMPONENT client)

# man/NAME.SECTION, compressed as Debian's policy asks (gzip -9n: no name
# or time stamp, so the same page makes the same bytes); the worker's pages
# go with the worker.
foreach(section 1 5)
  file(GLOB pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.${section})
  foreach(page ${pages})
    get_filename_component(name ${page} NAME)
    set(compressed ${PROJECT_BINARY_DIR}/man/${name}.gz)
    add_custom_command(OUTPUT ${compressed}
      COMMAND ${CMAKE_COMMAND} -E copy ${page} ${PROJECT_BINARY_DIR}/man/${name}
      COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/man/${name}
      DEPENDS ${page} VERBATIM)
    list(APPEND clang_dist_man_pages ${compressed})
    set(component client)
    if(name MATCHES "^(clang-dist-worker|clangd-slave)\\.")
      set(component worker)
    endif()
    install(FILES ${compressed} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section}
      COMPONENT ${component})
  endforeach()
endforeach()
add_custom_target(clang-dist-man-pages ALL DEPENDS ${clang_dist_man_pages})

# The worker as a service: its units, and an example of their environment
# file in PREFIX/etc/default, /etc/default for the prefix /usr (as
# GNUInstallDirs' CMAKE_INSTALL_FULL_SYSCONFDIR, but for the prefix given when
# installing: `cmake --install --prefix`, the packages' /usr).
file(GLOB units CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/systemd/*.service)
install(FILES ${units} DESTINATION lib/systemd/system COMPONENT worker)
file(GLOB environments CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/systemd/*.env)
if(environments)
  # Relative to the prefix (CMake prepends it to a destination it cannot
  # tell absolute); the packages are installed to /usr under DESTDIR.
  install(CODE [[
    set(clang_dist_sysconfdir etc)
    if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
      set(clang_dist_sysconfdir ../etc)
    endif()]] COMPONENT worker)
endif()
set(CLANG_DIST_CONFFILES "")
foreach(environment ${environments})
  get_filename_component(name ${environment} NAME_WE)
  install(FILES ${environment} DESTINATION "\${clang_dist_sysconfdir}/default"
    RENAME ${name} COMPONENT worker)
  # dpkg keeps an administrator's edits of these (cmake/Packaging.cmake).
  string(APPEND CLANG_DIST_CONFFILES "/etc/default/${name}\n")
endforeach()
