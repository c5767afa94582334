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

# px_embed(LAYER NAME DIR GLOB SCRIPT COMMENT)
# Compiles the files of DIR matching GLOB into layer LAYER (its directory's) as <NAME>_gen.c,
# written by SCRIPT (a `cmake -P` script given SRC_DIR and OUT) and written again when one of
# the files or SCRIPT changes: the migrations (store), the console (http).
function(px_embed layer name dir glob script comment)
  file(GLOB files CONFIGURE_DEPENDS ${dir}/${glob})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}_gen.c)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DSRC_DIR=${dir} -DOUT=${out} -P ${script}
    DEPENDS ${files} ${script}
    COMMENT "${comment}")
  target_sources(packid_${layer} PRIVATE ${out})
endfunction()
