# cmake -DIN=<test_x.c> -DNAME=<group> -DOUT=<file.c> -P TestMain.cmake
# Writes the main() of a cmocka test file: every `void test_...(void **state)` or, for a test
# that uses no group fixture, `void test_...(void)` (libgit2's clar's form) defined at the start
# of a line, in the order the file writes them, as clar finds its tests. A test cannot be
# written and then forgotten in a hand-kept list, and no file repeats the runner.
# The file names its group fixture, if it has one, with PX_TEST_SETUP and PX_TEST_TEARDOWN.
# A file that runs more than one group writes its own main(); it is then only included.
file(STRINGS ${IN} own_main REGEX "^int main\\(")
if(own_main)
  file(WRITE ${OUT}.tmp "/* ${NAME} writes its own main(). */\n#include \"${IN}\"\n")
  file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
  return()
endif()
file(STRINGS ${IN} defs REGEX "^(static )?void test_[A-Za-z0-9_]+\\((void|void \\*\\*[a-z_]*)\\)$")
# Every function named test_ is a test: one whose signature this cannot read (wrapped, or
# another parameter) would silently not run, and one declared ahead would be listed twice, so
# either stops the build instead.
file(STRINGS ${IN} named REGEX "^(static )?void test_[A-Za-z0-9_]*")
list(LENGTH defs n_defs)
list(LENGTH named n_named)
if(NOT n_defs EQUAL n_named)
  message(FATAL_ERROR "${IN}: a function named test_... is not defined as "
                      "'void test_...(void **state)' or 'void test_...(void)' on one line "
                      "(nor declared ahead)")
endif()
set(list "")
set(wrappers "")
foreach(d ${defs})
  string(REGEX REPLACE "^(static )?void (test_[A-Za-z0-9_]+)\\(.*" "\\2" fn "${d}")
  if(d MATCHES "\\(void\\)$")
    # cmocka passes every test the group's state; a test without a fixture has none to take.
    string(APPEND wrappers "static void px_run_${fn}(void **state)\n{\n    (void)state;\n")
    string(APPEND wrappers "    ${fn}();\n}\n")
    string(APPEND list "        {\"${fn}\", px_run_${fn}, NULL, NULL, NULL},\n")
  else()
    string(APPEND list "        cmocka_unit_test(${fn}),\n")
  endif()
endforeach()
if(list STREQUAL "")
  message(FATAL_ERROR "${IN}: no test function (void test_...(void **state) or (void))")
endif()
set(body "/* Generated from ${NAME}'s source by cmake/TestMain.cmake; do not edit. */\n")
string(APPEND body "#include \"${IN}\"\n\n")
string(APPEND body "#ifndef PX_TEST_SETUP\n#define PX_TEST_SETUP NULL\n#endif\n")
string(APPEND body "#ifndef PX_TEST_TEARDOWN\n#define PX_TEST_TEARDOWN NULL\n#endif\n\n")
string(APPEND body "${wrappers}\n")
string(APPEND body "int main(void)\n{\n    const struct CMUnitTest tests[] = {\n${list}    };\n")
string(APPEND body "    return cmocka_run_group_tests_name(\"${NAME}\", tests, PX_TEST_SETUP, ")
string(APPEND body "PX_TEST_TEARDOWN);\n}\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
