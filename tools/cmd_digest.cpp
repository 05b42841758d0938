// SPDX-License-Identifier: Apache-2.0
// `gostcsp-tool digest`: Streebog-256/512 (GOST R 34.11-2012) of files or stdin, printed as
// `HEX  NAME` lines like sha256sum (memory byte order, as `openssl dgst` and Botan print it).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "gostcsp/streebog.hpp"

namespace gostcsp::tool {
namespace {

struct DigestOptions {
    std::string algorithm = "streebog256";
    std::string impl = "automatic";
    std::vector<std::string> files;
};

std::string hex(const std::uint8_t* p, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string s(2 * n, '0');
    for (std::size_t i = 0; i < n; ++i) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    return s;
}

// Hashes one stream; returns false with errno's message in `error` on a read failure.
bool hash_stream(std::FILE* f, core::Streebog& h, std::string& error) {
    std::vector<std::uint8_t> buf(1 << 16);
    for (;;) {
        const std::size_t n = std::fread(buf.data(), 1, buf.size(), f);
        if (n != 0) h.update(std::span<const std::uint8_t>(buf.data(), n));
        if (n < buf.size()) {
            if (std::ferror(f)) {
                error = std::strerror(errno);
                return false;
            }
            return true;
        }
    }
}

void run_digest(const DigestOptions& opt, ToolContext& ctx) {
    const core::DigestSize size =
        opt.algorithm == "streebog512" ? core::DigestSize::bits512 : core::DigestSize::bits256;
    // "portable" is the old name of public_tables.
    const core::StreebogImpl impl = opt.impl == "portable" || opt.impl == "public_tables"
                                        ? core::StreebogImpl::public_tables
                                    : opt.impl == "avx512_gfni" ? core::StreebogImpl::avx512_gfni
                                    : opt.impl == "ct_ssse3"    ? core::StreebogImpl::ct_ssse3
                                    : opt.impl == "ct_generic"  ? core::StreebogImpl::ct_generic
                                                                : core::StreebogImpl::automatic;
    std::vector<std::string> files = opt.files;
    if (files.empty()) files.emplace_back("-");
    for (const std::string& name : files) {
        core::Streebog h(size, impl);
        std::string error;
        bool ok;
        if (name == "-") {
            ok = hash_stream(stdin, h, error);
        } else {
            std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(name.c_str(), "rb"),
                                                              &std::fclose);
            if (!f) {
                error = std::strerror(errno);
                ok = false;
            } else {
                ok = hash_stream(f.get(), h, error);
            }
        }
        if (!ok) {
            std::cout.flush();
            std::cerr << "gostcsp-tool digest: " << name << ": " << error << '\n';
            ctx.fail(1);
            continue;  // like sha256sum: report, go on with the other files
        }
        std::uint8_t out[64];
        h.final(std::span<std::uint8_t>(out, h.output_bytes()));
        std::cout << hex(out, h.output_bytes()) << "  " << name << '\n';
    }
    std::cout.flush();
}

}  // namespace

void register_digest_command(CLI::App& app, ToolContext& ctx) {
    auto opt = std::make_shared<DigestOptions>();
    CLI::App* cmd = app.add_subcommand(
        "digest", "Streebog (GOST R 34.11-2012) digest of files or stdin, like sha256sum");
    cmd->add_option("-a,--algorithm", opt->algorithm, "streebog256 (default) or streebog512")
        ->check(CLI::IsMember({"streebog256", "streebog512"}));
    cmd->add_option("--impl", opt->impl,
                    "compression code path: automatic (default), public_tables (alias portable), "
                    "avx512_gfni, ct_ssse3, ct_generic")
        ->check(CLI::IsMember(
            {"automatic", "public_tables", "portable", "avx512_gfni", "ct_ssse3", "ct_generic"}));
    cmd->add_option("files", opt->files, "files to hash; none or '-' reads stdin");
    cmd->callback([opt, &ctx] { run_digest(*opt, ctx); });
}

}  // namespace gostcsp::tool
