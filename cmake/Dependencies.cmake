# Debian 12 packages only (scripts/setup installs them).
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS url json)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
if(ONEMCP_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(ONEMCP_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# One helper so every component library is declared the same way:
# onemcp_<name>, alias onemcp::<name>, public headers under include/.
function(onemcp_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(onemcp_${name} ${ARG_SOURCES})
  add_library(onemcp::${name} ALIAS onemcp_${name})
  target_compile_features(onemcp_${name} PUBLIC cxx_std_20)
  target_include_directories(onemcp_${name}
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(onemcp_${name} PUBLIC ${ARG_PUBLIC_DEPS}
    PRIVATE ${ARG_PRIVATE_DEPS} onemcp::warnings)
endfunction()

# A test executable registered with ctest under the given labels.
function(onemcp_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock
    GTest::gtest_main onemcp::warnings)
  target_compile_definitions(${name} PRIVATE
    ONEMCP_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    ONEMCP_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
endfunction()
