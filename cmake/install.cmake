# What `cmake --install` puts where.
#
# A plain build installs flamecare for C++ users: the public headers, the static library
# libflamecare.a, the CLI and a CMake package, so that
#   find_package(flamecare)  +  target_link_libraries(app PRIVATE flamecare::flamecare)
# works. The library stays static (the same archive the CLI and the tests link), so its private
# dependencies (libtiff, cairo, libpng, zlib, libdeflate, ISA-L, fmt, toml++, nlohmann_json) are
# link dependencies of every consumer: flamecareConfig.cmake finds them again (find_dependency
# for CMake packages, pkg-config for the rest) and the exported target names them as link-only,
# so none of their headers or compile flags reach the consumer.
#
# The wheel build (scikit-build-core) installs only the CLI, into the wheel's scripts folder so
# that pip puts `flamecare` on the environment's PATH; python/CMakeLists.txt installs the
# extension module. Headers and the archive have no place in a Python wheel.
if(DEFINED SKBUILD)
  install(TARGETS flamecare RUNTIME DESTINATION "${SKBUILD_SCRIPTS_DIR}")
  return()
endif()

include(CMakePackageConfigHelpers)
set(flamecare_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/flamecare")

install(TARGETS flamecare_lib EXPORT flamecareTargets ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(TARGETS flamecare RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(DIRECTORY include/flamecare DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp")
install(FILES "${PROJECT_BINARY_DIR}/include/flamecare/version.hpp"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/flamecare")
install(EXPORT flamecareTargets NAMESPACE flamecare:: DESTINATION "${flamecare_cmake_dir}")

configure_package_config_file(cmake/flamecareConfig.cmake.in
  "${PROJECT_BINARY_DIR}/flamecareConfig.cmake" INSTALL_DESTINATION "${flamecare_cmake_dir}")
# 0.x: a new minor version may change the API.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/flamecareConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/flamecareConfig.cmake"
              "${PROJECT_BINARY_DIR}/flamecareConfigVersion.cmake"
        DESTINATION "${flamecare_cmake_dir}")
