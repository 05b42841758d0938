# SPDX-License-Identifier: Apache-2.0
# Project-wide warning and sanitizer flags, applied through the gostcsp_options interface target.
add_library(gostcsp_options INTERFACE)
target_compile_options(gostcsp_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wconversion -Wno-sign-conversion)
if(GOSTCSP_WERROR)
  target_compile_options(gostcsp_options INTERFACE -Werror)
endif()
if(GOSTCSP_SANITIZE)
  target_compile_options(gostcsp_options INTERFACE -fsanitize=${GOSTCSP_SANITIZE}
                         -fno-omit-frame-pointer)
  target_link_options(gostcsp_options INTERFACE -fsanitize=${GOSTCSP_SANITIZE})
endif()
