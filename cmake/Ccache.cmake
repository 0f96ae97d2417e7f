# Use ccache when it is installed: CI machines rebuild the same tree often.
find_program(SAMSPIL_CCACHE ccache)
if(SAMSPIL_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER "${SAMSPIL_CCACHE}" CACHE STRING "")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${SAMSPIL_CCACHE}" CACHE STRING "")
endif()
