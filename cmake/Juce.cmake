# JUCE 7 from Debian (juce-modules-source): the desktop app and the plugin.
find_package(JUCE 7.0.5 EXACT CONFIG REQUIRED)

# samspil_juce_warnings(target): our warning set on our own sources only; JUCE's module
# sources compile into the same target with JUCE's own flags.
function(samspil_juce_warnings target)
  get_target_property(sources ${target} SOURCES)
  foreach(source IN LISTS sources)
    if(source MATCHES "^${PROJECT_SOURCE_DIR}/(client-app|plugin)/" OR NOT IS_ABSOLUTE "${source}")
      set_property(SOURCE "${source}" TARGET_DIRECTORY ${target} APPEND PROPERTY COMPILE_OPTIONS
        -Wall -Wextra -Wshadow -Wnon-virtual-dtor)
    endif()
  endforeach()
endfunction()

# The plugin's LV2 URI (the plugin's CMake and the host test both need it).
set(SAMSPIL_LV2_URI "http://samspil.example/lv2/samspil")
