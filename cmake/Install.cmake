# What `cmake --install build --prefix P` puts in P (README "Use from C++"):
#   bin/onnx-reinit                                   the CLI
#   lib/libonnx_reinit.so.0.2.0 (+ .so.0.2, .so)      the public API
#   include/onnx_reinit/onnx_reinit.h                 its only header
#   lib/cmake/onnx_reinit/onnx_reinit{Config,ConfigVersion,Targets*}.cmake
#                                                     find_package(onnx_reinit)
#   lib/pkgconfig/onnx_reinit.pc                      pkg-config onnx_reinit
#   share/man/man1/onnx-reinit.1                      from --help (help2man)
#   share/bash-completion/completions/onnx-reinit     flags read from --help
# Two install components, both in the .deb (cmake/Packaging.cmake):
# `runtime` (CLI, library, man page, completion) and `development` (header,
# the .so link, CMake package, pkg-config file). Anything else installed by
# other parts of the build (e.g. the Python module) is in neither.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ONNX_REINIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/onnx_reinit)
set(ONNX_REINIT_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The installed CLI finds the prefix's library next to it whatever the prefix
# (its other libraries are the system's); the library needs only the system's.
set_target_properties(onnx-reinit PROPERTIES
  INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")

install(TARGETS onnx-reinit
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)

# The exported target is the shared library alone: the private `reinit`
# static library and the `reinit_api` objects are linked PRIVATE into it, so
# the export names only absl::status and absl::statusor (found again by
# onnx_reinitConfig.cmake through find_dependency(absl)).
install(TARGETS onnx_reinit EXPORT onnx_reinitTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    COMPONENT runtime NAMELINK_COMPONENT development)
install(FILES ${PROJECT_SOURCE_DIR}/include/onnx_reinit/onnx_reinit.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/onnx_reinit COMPONENT development)
install(EXPORT onnx_reinitTargets NAMESPACE onnx_reinit::
  DESTINATION ${ONNX_REINIT_CMAKE_DIR} COMPONENT development)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/onnx_reinitConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/onnx_reinitConfig.cmake
  INSTALL_DESTINATION ${ONNX_REINIT_CMAKE_DIR})
# 0.x: the SONAME is major.minor, so only the same minor version is compatible.
write_basic_package_version_file(
  ${CMAKE_BINARY_DIR}/cmake/onnx_reinitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/onnx_reinitConfig.cmake
  ${CMAKE_BINARY_DIR}/cmake/onnx_reinitConfigVersion.cmake
  DESTINATION ${ONNX_REINIT_CMAKE_DIR} COMPONENT development)

# pkg-config: relocatable (paths from the .pc file's own folder), like the
# CMake package, so the prefix may be chosen at install time or moved.
file(RELATIVE_PATH ONNX_REINIT_PC_TO_PREFIX
  /prefix/${ONNX_REINIT_PKGCONFIG_DIR} /prefix)
string(REGEX REPLACE "/$" "" ONNX_REINIT_PC_TO_PREFIX "${ONNX_REINIT_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/onnx_reinit.pc.in
  ${CMAKE_BINARY_DIR}/cmake/onnx_reinit.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cmake/onnx_reinit.pc
  DESTINATION ${ONNX_REINIT_PKGCONFIG_DIR} COMPONENT development)

# The man page, generated at build time from the CLI's --help and --version
# by Debian's help2man (scripts/install_deps.sh installs it), so it always
# says what the binary says.
find_program(HELP2MAN_EXECUTABLE help2man)
if(HELP2MAN_EXECUTABLE)
  set(ONNX_REINIT_MAN_PAGE ${CMAKE_BINARY_DIR}/man/onnx-reinit.1)
  add_custom_command(OUTPUT ${ONNX_REINIT_MAN_PAGE}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${CMAKE_COMMAND} -E env ONNX_REINIT_CLI=$<TARGET_FILE:onnx-reinit>
            ${HELP2MAN_EXECUTABLE} --no-info --section=1 --locale=C.UTF-8
            "--name=re-initialize the weights of ONNX models"
            --include=${CMAKE_CURRENT_LIST_DIR}/onnx-reinit.h2m
            --output=${ONNX_REINIT_MAN_PAGE}
            ${CMAKE_CURRENT_LIST_DIR}/help2man_cli.sh
    DEPENDS onnx-reinit ${CMAKE_CURRENT_LIST_DIR}/onnx-reinit.h2m
            ${CMAKE_CURRENT_LIST_DIR}/help2man_cli.sh
    COMMENT "Generating the man page onnx-reinit.1 (help2man)"
    VERBATIM)
  add_custom_target(onnx-reinit-man ALL DEPENDS ${ONNX_REINIT_MAN_PAGE})
  install(FILES ${ONNX_REINIT_MAN_PAGE}
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
else()
  set(ONNX_REINIT_MAN_PAGE "")
  message(STATUS "onnx-reinit: help2man not found (Debian package help2man, "
                 "scripts/install_deps.sh): the man page onnx-reinit.1 is "
                 "neither built nor installed")
endif()

# Bash completion: the script reads the flags and their value words from
# `onnx-reinit --help` when it completes, so it never goes stale.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/bash-completion/onnx-reinit
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  COMPONENT runtime)

include(${CMAKE_CURRENT_LIST_DIR}/Packaging.cmake)
