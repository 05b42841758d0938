// SPDX-License-Identifier: Apache-2.0
// gostcsp-tool: administration CLI of gostcsp (GOST R 34.10/34.11-2012 token, keys, digests).
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "commands.hpp"

int main(int argc, char** argv) {
    gostcsp::tool::ToolContext ctx;
    CLI::App app{"gostcsp-tool: GOST R 34.10/34.11-2012 token administration and utilities",
                 "gostcsp-tool"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("gostcsp-tool 0.1.0"));

    gostcsp::tool::register_digest_command(app, ctx);
    gostcsp::tool::register_token_commands(app, ctx);
    gostcsp::tool::register_key_commands(app, ctx);
    gostcsp::tool::register_key_uri_command(app, ctx);

    // CLI11 would read an unknown word as a missing subcommand ("A subcommand is required").
    std::string names;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands({})) {
        names += (names.empty() ? "" : ", ") + sub->get_name();
        known = known || (argc >= 2 && sub->get_name() == argv[1]);
    }
    if (argc >= 2 && argv[1][0] != '-' && !known) {
        std::cerr << "gostcsp-tool: unknown subcommand '" << argv[1]
                  << "'; the subcommands are: " << names << " (gostcsp-tool --help)\n";
        return 2;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help / --version exit 0; usage errors exit 2 (1 means "a file could not be read").
        return app.exit(e) == 0 ? 0 : 2;
    }
    return ctx.exit_status;
}
