// SPDX-License-Identifier: Apache-2.0
// gostcsp-tool: administration CLI of gostcsp (GOST R 34.10/34.11-2012 token, keys, digests).
#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
    gostcsp::tool::ToolContext ctx;
    CLI::App app{"gostcsp-tool: GOST R 34.10/34.11-2012 token administration and utilities",
                 "gostcsp-tool"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("gostcsp-tool 0.1.0"));

    gostcsp::tool::register_digest_command(app, ctx);
    gostcsp::tool::register_token_commands(app, ctx);
    gostcsp::tool::register_key_uri_command(app, ctx);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help / --version exit 0; usage errors exit 2 (1 means "a file could not be read").
        return app.exit(e) == 0 ? 0 : 2;
    }
    return ctx.exit_status;
}
