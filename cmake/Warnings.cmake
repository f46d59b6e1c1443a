# Warnings through an interface target, never directory-wide flags.
add_library(onemcp_warnings INTERFACE)
add_library(onemcp::warnings ALIAS onemcp_warnings)
target_compile_options(onemcp_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${ONEMCP_WERROR}>:-Werror>)
