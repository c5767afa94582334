# px__test_executable(NAME test_file.c other.c...): the program of a test file, whose main() is
# generated from the file's test functions (cmake/TestMain.cmake) and includes the file.
function(px__test_executable name first)
  get_filename_component(src ${first} ABSOLUTE)
  set(main ${CMAKE_CURRENT_BINARY_DIR}/${name}_main.c)
  add_custom_command(OUTPUT ${main}
    COMMAND ${CMAKE_COMMAND} -DIN=${src} -DNAME=${name} -DOUT=${main}
            -P ${CMAKE_SOURCE_DIR}/cmake/TestMain.cmake
    DEPENDS ${src} ${CMAKE_SOURCE_DIR}/cmake/TestMain.cmake VERBATIM)
  add_executable(${name} ${main} ${ARGN})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
endfunction()

# px_unit_test(NAME SOURCES... LIBS lib...): a cmocka test linked only against the layer it
# tests (tests/README.md); labelled `unit`.
function(px_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  px__test_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  target_compile_definitions(${name} PRIVATE
      PX_SHARED_DIR="${CMAKE_SOURCE_DIR}/../shared" PX_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit)
endfunction()

# px_unit_tests(LIBS lib...): every test_*.c of the calling folder is a unit test program named
# after its file, linked against LIBS; a program's own additions are set before the call as
# px_utest_sources_<name> and px_utest_libs_<name>. A file dropped in the folder is built and
# run without a line of its own here.
function(px_unit_tests)
  cmake_parse_arguments(T "" "" "LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_*.c)
  foreach(src ${srcs})
    get_filename_component(name ${src} NAME_WE)
    px_unit_test(${name} SOURCES ${src} ${px_utest_sources_${name}}
                 LIBS ${T_LIBS} ${px_utest_libs_${name}})
  endforeach()
endfunction()

# px_integration_test(NAME SOURCES... LIBS lib...): runs against a real PostgreSQL
# (PACKID_TEST_DATABASE_URL, set by scripts/test.sh) and a real `packid serve`; labelled
# `integration`; serial with other integration tests that share the server.
function(px_integration_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  px__test_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE packid_testsupport ${T_LIBS} PkgConfig::CMOCKA)
  target_compile_definitions(${name} PRIVATE
      PX_SHARED_DIR="${CMAKE_SOURCE_DIR}/../shared" PX_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
      PX_PACKID_BIN="$<TARGET_FILE:packid>")
  add_dependencies(${name} packid)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS integration TIMEOUT 900)
endfunction()
