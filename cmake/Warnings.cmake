# samspil_warnings(target): the warning set every Samspil target builds with.
function(samspil_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wconversion -Wno-sign-conversion)
endfunction()
