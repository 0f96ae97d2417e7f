# SAMSPIL_SANITIZE=ON builds everything with ASan + UBSan; any report fails the run.
if(SAMSPIL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# SAMSPIL_FUZZ=ON (clang): every library gets libFuzzer's coverage hooks and ASan + UBSan;
# the harnesses in tests/fuzz add libFuzzer's main.
if(SAMSPIL_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
