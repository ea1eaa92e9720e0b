# ctest install.consumer: installs the build tree into a scratch prefix, builds
# tests/install/consumer against it with find_package(flamecare) and runs it.
# -D BUILD_DIR=<the build tree> -D SOURCE_DIR=<consumer sources> -D WORK_DIR=<scratch dir>
# -D LIBDIR=<CMAKE_INSTALL_LIBDIR> -D CXX=<compiler> -D GENERATOR=<generator>
# [-D LAUNCHER=<compiler launcher>]
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR LIBDIR CXX GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer.cmake: -D ${var}=... missing")
  endif()
endforeach()
set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")

execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}"
                OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
foreach(file include/flamecare/scanimage.hpp ${LIBDIR}/libflamecare.a bin/flamecare
             ${LIBDIR}/cmake/flamecare/flamecareConfig.cmake)
  if(NOT EXISTS "${prefix}/${file}")
    message(FATAL_ERROR "install: ${prefix}/${file} missing")
  endif()
endforeach()
file(GLOB private_headers "${prefix}/include/flamecare/*/*")
if(private_headers)
  message(FATAL_ERROR "install: private headers installed: ${private_headers}")
endif()

set(launcher "")
if(LAUNCHER)
  set(launcher "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
          "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_PREFIX_PATH=${prefix}" ${launcher}
  OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
# The package must come from the scratch prefix, not from anything installed on the machine.
file(STRINGS "${WORK_DIR}/build/CMakeCache.txt" found REGEX "^flamecare_DIR:")
if(NOT found STREQUAL "flamecare_DIR:PATH=${prefix}/${LIBDIR}/cmake/flamecare")
  message(FATAL_ERROR "consumer found flamecare elsewhere: ${found}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}/build" COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${WORK_DIR}/build/consumer" "${WORK_DIR}/scratch"
                COMMAND_ERROR_IS_FATAL ANY)
