# px_layer(NAME DEPS <packid layers below> PRIVATE_LIBS <third-party targets>)
# One static library per directory of src/ (docs/architecture.md "Layers"). Sources are every *.c in the
# directory, so adding a file needs no CMake edit. DEPS are PUBLIC (a layer's headers may
# mention the types of the layers below); third-party libraries are PRIVATE, so their headers
# are not on any other layer's include path: `#include <libpq-fe.h>` in gs1/ does not compile.
function(px_layer name)
  cmake_parse_arguments(L "" "" "DEPS;PRIVATE_LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
  if(NOT srcs)
    # A layer with no code yet is a header-only placeholder in the dependency graph.
    add_library(packid_${name} INTERFACE)
    target_include_directories(packid_${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR})
    target_link_libraries(packid_${name} INTERFACE ${L_DEPS})
    return()
  endif()
  add_library(packid_${name} STATIC ${srcs})
  target_include_directories(packid_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(packid_${name} PUBLIC ${L_DEPS} PRIVATE ${L_PRIVATE_LIBS})
endfunction()
