// SPDX-License-Identifier: Apache-2.0
// Writing an output file without changing files the tool did not create: a new file gets its
// mode at open time (O_CREAT|O_EXCL, mode & ~umask); an existing regular file is truncated and
// rewritten in place, keeping its owner and mode; an existing non-regular file (/dev/null, a
// FIFO, a terminal) is written as it is. Nothing is ever chmod'ed by path.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace gostcsp::tool {

// Returns "" on success, else a message naming the path and the reason.
std::string write_output_file(const std::string& path, std::string_view data, mode_t new_mode);

}  // namespace gostcsp::tool
