# SAMSPIL_SANITIZE=ON builds everything with ASan + UBSan; any report fails the run.
# Line tables only (-g1): a report still names file and line, and the tree compiles
# faster than with full debug info.
if(SAMSPIL_SANITIZE)
  # -O1: what the sanitizers' authors recommend; the instrumented tests run about twice
  # as fast as at -O0 for little more compile time.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined -g1 -O1)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(SAMSPIL_SANITIZED=1)  # tests that compare clocks allow for slower clients
endif()

# SAMSPIL_FUZZ=ON (clang): everything gets ASan + UBSan, and the code that is fuzzed
# (shared/ and server/, which add SAMSPIL_FUZZ_COVERAGE) libFuzzer's coverage hooks; the
# harnesses in tests/fuzz add libFuzzer's main. The cli, the benches and the tests stay
# without the hooks: they would only run slower.
set(SAMSPIL_FUZZ_COVERAGE "")
if(SAMSPIL_FUZZ)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  set(SAMSPIL_FUZZ_COVERAGE -fsanitize=fuzzer-no-link)
endif()
