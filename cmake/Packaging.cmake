# `cd build && cpack -G DEB` -> onnx-reinit_0.2.0_amd64.deb: one package with
# the `runtime` and `development` install components (cmake/Install.cmake):
# /usr/bin/onnx-reinit, its man page and bash completion, and
# libonnx_reinit.so with its header, CMake package and pkg-config file.
# Binaries are stripped; the dependencies are computed by dpkg-shlibdeps
# (dpkg-dev) from the binaries' shared libraries.
# cpack packages what was built, as `cmake --install` installs it: it does
# not build the `all` target first (that is `cmake --build build`), so a
# package (or its test) never starts a build of the whole tree. The same
# holds for `make install`.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_PACKAGE_NAME onnx-reinit)
set(CPACK_PACKAGE_VENDOR "onnx-reinit")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "re-initialize the weights of ONNX models")
set(CPACK_PACKAGE_DESCRIPTION
  "onnx-reinit reads an ONNX model, works out what every initializer is from
the nodes that consume it (weights, biases, embeddings, recurrent gate
blocks, norm scales, shape constants that must not be touched), infers its
fans from the consuming op, writes fresh values with the strategy its rule
chooses and writes the model back byte for byte the same outside the
rewritten values, with external data files of any size.

This package holds the command-line tool onnx-reinit (with its man page and
bash completion) and the C++ library libonnx_reinit with its header, CMake
package (find_package(onnx_reinit)) and pkg-config module (onnx_reinit).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime development)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)

set(CPACK_DEBIAN_PACKAGE_NAME onnx-reinit)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # onnx-reinit_0.2.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER
  "onnx-reinit maintainers <maintainers@users.noreply.r-seed-325ecdfe.example>"
  CACHE STRING "Maintainer field of the .deb")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Users of the header compile against Abseil's (Debian's) headers.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libabsl-dev, pkg-config, cmake")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

include(CPack)
