// SPDX-License-Identifier: Apache-2.0
// gostcsp-tool subcommands: each lives in its own cmd_*.cpp and registers itself on the app.
#pragma once

#include <CLI/CLI.hpp>

namespace gostcsp::tool {

// Shared between main() and the subcommands' callbacks.
struct ToolContext {
    // Exit status of the run; a callback raises it (never lowers it) when something failed.
    int exit_status = 0;
    void fail(int status = 1) noexcept {
        if (status > exit_status) exit_status = status;
    }
};

// `digest`: Streebog-256/512 (GOST R 34.11-2012) of files or stdin, sha256sum-style output.
void register_digest_command(CLI::App& app, ToolContext& ctx);

// Soft-token administration (cmd_token.cpp): init-token, change-pin, unblock, list-tokens,
// list-objects, keygen, delete-object, import-cert.
void register_token_commands(CLI::App& app, ToolContext& ctx);

// Key pairs (cmd_keys.cpp): keygen, import-cert, list-keys.
void register_key_commands(CLI::App& app, ToolContext& ctx);

// `key-uri` (cmd_keyuri.cpp): a PEM key file carrying a token key's pkcs11: URI.
void register_key_uri_command(CLI::App& app, ToolContext& ctx);

// Further subcommands (token, pin, keys, certs, ...) add one declaration each here and one call
// in main.cpp.

}  // namespace gostcsp::tool
