# weft_add_module(NAME DEPENDS lower modules...)
#   Builds every src/NAME/*.cc except *_test.cc into the object library weft_NAME, which
#   links only the modules it names: the layering table of docs/architecture.md. Each
#   *_test.cc beside the code becomes one GoogleTest program registered with CTest.
#   The tests of the threads module are labelled "threads" and also run under TSan
#   (tests/CMakeLists.txt does the same for tests/*/*thread*_test.cc).
set(WEFT_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wold-style-cast -Wno-missing-field-initializers)

function(weft_apply_flags target)
  target_compile_options(${target} PRIVATE ${WEFT_WARNINGS})
  if(WEFT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(WEFT_SANITIZE)
  add_compile_options(-fsanitize=${WEFT_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${WEFT_SANITIZE})
  if(WEFT_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=all)
  endif()
endif()

set_property(GLOBAL PROPERTY WEFT_MODULES "")

function(weft_add_module name)
  cmake_parse_arguments(M "" "" "DEPENDS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  list(FILTER srcs EXCLUDE REGEX "_test\\.cc$")
  add_library(weft_${name} OBJECT ${srcs})
  set_target_properties(weft_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_include_directories(weft_${name}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(weft_${name} PUBLIC Threads::Threads)
  foreach(dep ${M_DEPENDS})
    if(dep IN_LIST WEFT_MODULES)  # a partial developer build may leave one out
      target_link_libraries(weft_${name} PUBLIC weft_${dep})
    endif()
  endforeach()
  weft_apply_flags(weft_${name})
  set_property(GLOBAL APPEND PROPERTY WEFT_MODULES ${name})

  if(WEFT_BUILD_TESTS)
    file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
    if(tests)
      set(exe weft_${name}_test)
      add_executable(${exe} ${tests})
      target_include_directories(${exe} PRIVATE ${PROJECT_SOURCE_DIR}/src)
      # Unit tests link the whole library so a module's tests may use the test kit.
      target_link_libraries(${exe} PRIVATE weft_all_for_tests GTest::gtest GTest::gmock
                            GTest::gtest_main)
      weft_apply_flags(${exe})
      # One label per test: gtest_discover_tests (CMake 3.25) flattens a list of labels.
      set(label unit)
      if(name STREQUAL "threads")
        set(label threads)  # also run under TSan by the test command
        set_property(GLOBAL APPEND PROPERTY WEFT_THREAD_TEST_TARGETS ${exe})
      endif()
      gtest_discover_tests(${exe} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS ${label} TIMEOUT 120)
    endif()
  endif()
endfunction()

# Collects every module's objects into libweft (installed) and weft_all_for_tests.
function(weft_finish_library)
  get_property(modules GLOBAL PROPERTY WEFT_MODULES)
  set(objs "")
  foreach(m ${modules})
    list(APPEND objs $<TARGET_OBJECTS:weft_${m}>)
  endforeach()
  add_library(weft STATIC ${objs})
  add_library(weft::weft ALIAS weft)
  target_include_directories(weft PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(weft PUBLIC cxx_std_20)
  target_link_libraries(weft PUBLIC Threads::Threads)
  add_library(weft_all_for_tests INTERFACE)
  target_link_libraries(weft_all_for_tests INTERFACE weft)
endfunction()
