// SPDX-License-Identifier: Apache-2.0
// gostcsp-tool output files (output_file.hpp): created with their mode, never chmod'ed.
#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gostcsp::tool {

std::string write_output_file(const std::string& path, std::string_view data, mode_t new_mode) {
    auto error = [&](const char* step) { return path + ": " + step + ": " + std::strerror(errno); };
    // A new file is created here, with its final mode (umask applies).
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, new_mode);
    if (fd < 0 && errno == EEXIST) {
        // It exists (possibly a symlink to it): open it as it is and look at what it is through
        // the descriptor, so nothing can swap it between the check and the write.
        fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) return error("open");
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            const std::string e = error("fstat");
            ::close(fd);
            return e;
        }
        if (S_ISREG(st.st_mode) && ::ftruncate(fd, 0) != 0) {
            const std::string e = error("truncate");
            ::close(fd);
            return e;
        }
    }
    if (fd < 0) return error("create");
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            const std::string e = error("write");
            ::close(fd);
            return e;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) return error("close");
    return {};
}

}  // namespace gostcsp::tool
