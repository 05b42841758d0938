// SPDX-License-Identifier: Apache-2.0
// `gostcsp-tool` soft-token administration: init-token, change-pin, unblock, list-tokens,
// list-objects, delete-object (over gostcsp::keystore). Key pairs: cmd_keys.cpp.
#include <iostream>

#include "json_writer.hpp"
#include "key_inventory.hpp"
#include "token_common.hpp"

namespace gostcsp::tool {
namespace {

struct InitOptions {
    Common common;
    std::string label;
    PinSource so;
    bool force = false;
    bool yes = false;
};

void run_init(const InitOptions& o) {
    const auto cfg = config_for(o.common);
    std::filesystem::path path;
    // A second token with a label in use would make every pkcs11:token=LABEL URI ambiguous.
    std::vector<ks::TokenInfo> same_label;
    for (auto& other : initialised_tokens(cfg))
        if (other.label == o.label) same_label.push_back(std::move(other));
    if (!o.common.token.empty()) {
        path = find_token(cfg, o.common.token);
        std::erase_if(same_label, [&](const ks::TokenInfo& i) {
            std::error_code ec;
            return std::filesystem::equivalent(i.path, path, ec);
        });
        confirm("re-initialise " + path.string() + ": every object on it will be destroyed", o.yes);
    } else {
        path = take(ks::new_token_path(cfg), "choosing a token file");
    }
    if (!same_label.empty() && !o.force) {
        fail("a token labelled '" + o.label + "' exists (serial " + same_label.front().serial +
             ", " + same_label.front().path.string() + "); pkcs11:token=" + o.label +
             " URIs would then match two tokens. Choose another label, re-initialise that "
             "token with --token " +
             same_label.front().serial + ", or add --force");
    }
    Pin pin;
    std::string error;
    if (!read_pin(o.so, "SO PIN", o.common.token.empty(), pin, error)) fail(error);
    check(ks::init_token(cfg, path, pin.view(), o.label));
    const bool weak = ks::is_weak_pin(cfg, pin.view());
    pin.wipe();
    auto t = open_token(cfg, path);
    auto info = take(t->info(), "reading the token");
    std::cout << "initialised token '" << info.label << "' serial " << info.serial << " at "
              << path.string() << '\n';
    if (!same_label.empty()) {
        std::cout << "note: " << same_label.size() + 1 << " tokens are now labelled '" << o.label
                  << "'. A pkcs11:token=" << o.label
                  << " URI matches all of them: a URI naming an object picks the first token "
                     "(in slot order) that holds it; add serial="
                  << info.serial
                  << " (this one) or the other's serial to select one token. gostcsp-tool "
                     "list-keys prints such URIs.\n";
    }
    if (weak) {
        std::cout << "note: the SO PIN is a default PIN; it must be changed "
                     "(gostcsp-tool change-pin --so)\n";
    }
    std::cout << "next: set the user PIN with gostcsp-tool unblock --token " << info.serial << '\n';
}

struct ChangePinOptions {
    Common common;
    bool so = false;
    PinSource old_pin;
    PinSource new_pin;
};

void run_change_pin(const ChangePinOptions& o) {
    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    const auto who = o.so ? ks::UserType::so : ks::UserType::user;
    const std::string what = o.so ? "SO PIN" : "user PIN";
    Pin old_pin, new_pin;
    std::string error;
    if (!read_pin(o.old_pin, "current " + what, false, old_pin, error)) fail(error);
    if (!read_pin(o.new_pin, "new " + what, true, new_pin, error)) fail(error);
    // A PIN that must be changed (set by the SO, or a factory one) is not changed by keeping it.
    if (old_pin.view() == new_pin.view())
        fail("the new " + what + " is the current one; choose a different PIN");
    check(t->set_pin(who, old_pin.view(), new_pin.view()));
    std::cout << what << " changed\n";
}

struct UnblockOptions {
    Common common;
    PinSource so;
    PinSource new_pin;
    bool keep = false;
};

void run_unblock(const UnblockOptions& o) {
    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    login(*t, ks::UserType::so, o.so);
    Pin pin;
    std::string error;
    if (!read_pin(o.new_pin, "new user PIN", true, pin, error)) fail(error);
    const bool weak = ks::is_weak_pin(cfg, pin.view());
    // The SO knows this PIN: the user must replace it, unless the SO says otherwise (and the
    // PIN is not a default one, which is always "to be changed").
    check(t->init_user_pin(pin.view(), !o.keep));
    pin.wipe();
    t->logout();
    std::cout << "user PIN set; retry counter reset\n";
    if (weak) {
        std::cout << "note: it is a default PIN: the user must change it (gostcsp-tool change-pin) "
                     "before keys can be used\n";
    } else if (!o.keep) {
        std::cout << "note: the user must change it (gostcsp-tool change-pin) before keys can be "
                     "used; --keep-pin leaves it as the user's PIN\n";
    }
}

void pin_json(JsonWriter& j, const char* name, const ks::PinState& p) {
    j.key(name).begin_object().field("initialized", p.initialized);
    j.field("failed", static_cast<std::uint64_t>(p.failed));
    j.field("max_retries", static_cast<std::uint64_t>(p.max_retries));
    j.field("tries_left", static_cast<std::uint64_t>(p.tries_left()));
    j.field("locked", p.locked()).field("must_change", p.must_change).end_object();
}

struct ListTokensOptions {
    Common common;
    bool json = false;
};

void run_list_tokens(const ListTokensOptions& o) {
    const auto cfg = config_for(o.common);
    auto files = take(ks::list_token_files(cfg), "listing tokens");
    JsonWriter j;
    j.begin_object().field("token_dir", cfg.token_dir.string()).key("tokens").begin_array();
    if (files.empty() && !o.json) {
        std::cout << "no tokens in " << cfg.token_dir.string() << '\n';
        return;
    }
    bool first = true;
    for (const auto& f : files) {
        auto t = ks::Token::open(cfg, f);
        auto i = t ? (*t)->info() : ks::Result<ks::TokenInfo>(t.status());
        if (o.json) {
            j.begin_object().field("path", f.string());
            if (!i) {
                j.field("error", std::string(i.status().message())).end_object();
                continue;
            }
            j.field("initialized", i->initialized);
            if (i->initialized) {
                j.field("label", i->label).field("serial", i->serial);
                j.field("manufacturer", i->manufacturer).field("model", i->model);
                j.key("flags").begin_array();
                const std::string flags = flags_of(*i);
                for (std::size_t p = 0; flags != "-" && p < flags.size();) {
                    const auto e = flags.find(' ', p);
                    j.value(flags.substr(p, e == std::string::npos ? e : e - p));
                    p = e == std::string::npos ? flags.size() : e + 1;
                }
                j.end_array();
                pin_json(j, "user_pin", i->user);
                pin_json(j, "so_pin", i->so);
                j.field("public_objects", i->public_objects);
                j.field("private_objects", i->private_objects);
            }
            j.end_object();
            continue;
        }
        if (!first) std::cout << '\n';
        first = false;
        std::cout << "token " << f.string() << '\n';
        if (!i) {
            std::cout << "  error:    " << i.status().message() << '\n';
            continue;
        }
        if (!i->initialized) {
            std::cout << "  (not initialised)\n";
            continue;
        }
        std::cout << "  label:    " << i->label << '\n'
                  << "  serial:   " << i->serial << '\n'
                  << "  model:    " << i->manufacturer << ' ' << i->model << '\n'
                  << "  flags:    " << flags_of(*i) << '\n'
                  << "  user PIN: " << pin_line(i->user) << '\n'
                  << "  SO PIN:   " << pin_line(i->so) << '\n'
                  << "  objects:  " << i->public_objects << " public, " << i->private_objects
                  << " private\n";
        if (i->test_token) {
            std::cout << "  warning:  TEST TOKEN: a PIN wrap uses fewer than "
                      << ks::min_kdf_iterations << " KDF iterations; not for real keys\n";
        }
    }
    if (o.json) std::cout << j.end_array().end_object().str() << '\n';
}

struct ListObjectsOptions {
    Common common;
    bool login = false;
    bool json = false;
    PinSource pin;
};

void run_list_objects(const ListObjectsOptions& o) {
    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    if (o.login) login(*t, ks::UserType::user, o.pin);
    auto handles = take(t->find_objects(), "listing objects");
    JsonWriter j;
    j.begin_object().field("logged_in", o.login).key("objects").begin_array();
    if (handles.empty() && !o.json) {
        std::cout << (o.login ? "no objects\n"
                              : "no public objects (add --login to see private ones)\n");
        return;
    }
    for (auto h : handles) {
        auto obj = take(t->read_object(h), "object " + std::to_string(h));
        const Bytes* id = attr(obj, cka_id);
        const bool is_key =
            obj.object_class == ks::cko_private_key || obj.object_class == ks::cko_secret_key;
        if (o.json) {
            j.begin_object().field("object", h).field("class", class_name(obj.object_class));
            j.field("label", attr_text(obj, cka_label)).field("id", id ? hex(*id) : "");
            j.field("private", obj.is_private);
            j.key("param_set");
            if (obj.param_set) {
                const auto ps = stored_param_set(obj);
                j.begin_object().field("name", ps.name).field("oid", ps.oid);
                j.field("bits", core::param_set_info(ps.set).bits).end_object();
            } else {
                j.null();
            }
            if (is_key) {
                j.field("sensitive", obj.sensitive).field("extractable", obj.extractable);
                j.field("always_sensitive", obj.always_sensitive);
                j.field("never_extractable", obj.never_extractable);
            }
            j.field("public_key", hex(obj.public_key)).end_object();
            continue;
        }
        std::cout << "object " << h << ": " << class_name(obj.object_class);
        if (obj.param_set) {
            const auto ps = stored_param_set(obj);
            std::cout << " GOST R 34.10-2012 " << core::param_set_info(ps.set).bits << " "
                      << ps.name << " (" << ps.oid << ")";
        }
        std::cout << '\n';
        if (attr(obj, cka_label)) std::cout << "  label:  " << attr_text(obj, cka_label) << '\n';
        if (id && !id->empty()) std::cout << "  id:     " << hex(*id) << '\n';
        std::string flags = obj.is_private ? "private" : "public";
        if (is_key) {
            flags += obj.sensitive ? " sensitive" : " NOT-sensitive";
            flags += obj.extractable ? " extractable" : " non-extractable";
            if (obj.always_sensitive) flags += " always-sensitive";
            if (obj.never_extractable) flags += " never-extractable";
        }
        std::cout << "  flags:  " << flags << '\n';
        if (!obj.public_key.empty()) {
            std::cout << "  public: " << hex(obj.public_key).substr(0, 32) << "… ("
                      << obj.public_key.size() << " bytes, X‖Y little-endian)\n";
        }
    }
    if (o.json) {
        std::cout << j.end_array().end_object().str() << '\n';
        return;
    }
    if (!o.login) std::cout << "(private objects are listed only with --login)\n";
}

struct DeleteOptions {
    Common common;
    std::vector<ks::ObjectHandle> handles;
    PinSource pin;
    bool yes = false;
};

void run_delete(const DeleteOptions& o) {
    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    login(*t, ks::UserType::user, o.pin);
    std::string what;
    for (auto h : o.handles) {
        auto obj = take(t->read_object(h), "object " + std::to_string(h));
        what += (what.empty() ? "" : ", ") + std::to_string(h) + " (" +
                class_name(obj.object_class) + " '" + attr_text(obj, cka_label) + "')";
    }
    confirm("destroy object" + std::string(o.handles.size() > 1 ? "s " : " ") + what, o.yes);
    for (auto h : o.handles) {
        auto obj = take(t->read_object(h), "object " + std::to_string(h));
        check(t->destroy_object(h), "object " + std::to_string(h));
        std::cout << "deleted object " << h << " (" << class_name(obj.object_class) << ")\n";
    }
}

}  // namespace

void register_token_commands(CLI::App& app, ToolContext& ctx) {
    {
        auto o = std::make_shared<InitOptions>();
        auto* cmd = app.add_subcommand(
            "init-token",
            "create a new soft token (or, with --token, re-initialise one: destroys its objects)");
        add_common(cmd, o->common);
        cmd->add_option("-l,--label", o->label, "token label (at most 32 bytes)")->required();
        cmd->add_flag("--force", o->force, "allow a label another token already has");
        cmd->add_flag("-y,--yes", o->yes, "re-initialise without asking");
        add_pin_options(cmd, o->so, "so-", "SO PIN");
        cmd->callback([o, &ctx] { guarded("init-token", ctx, [&] { run_init(*o); }); });
    }
    {
        auto o = std::make_shared<ChangePinOptions>();
        auto* cmd =
            app.add_subcommand("change-pin", "change the user PIN (or with --so the SO PIN)");
        add_common(cmd, o->common);
        cmd->add_flag("--so", o->so, "change the SO PIN instead of the user PIN");
        add_pin_options(cmd, o->old_pin, "", "current PIN");
        add_pin_options(cmd, o->new_pin, "new-", "new PIN");
        cmd->callback([o, &ctx] { guarded("change-pin", ctx, [&] { run_change_pin(*o); }); });
    }
    {
        auto o = std::make_shared<UnblockOptions>();
        auto* cmd = app.add_subcommand(
            "unblock", "the SO sets a new user PIN (first PIN, or unblocking a locked one)");
        add_common(cmd, o->common);
        add_pin_options(cmd, o->so, "so-", "SO PIN");
        add_pin_options(cmd, o->new_pin, "new-", "new user PIN");
        cmd->add_flag("--keep-pin", o->keep,
                      "the new PIN need not be changed by the user (default: it must be)");
        cmd->callback([o, &ctx] { guarded("unblock", ctx, [&] { run_unblock(*o); }); });
    }
    {
        auto o = std::make_shared<ListTokensOptions>();
        auto* cmd = app.add_subcommand("list-tokens",
                                       "list soft tokens: label, serial, flags, retry counters");
        add_common(cmd, o->common, false);
        cmd->add_flag("--json", o->json, "machine-readable output (docs/tool-json.md)");
        cmd->callback([o, &ctx] { guarded("list-tokens", ctx, [&] { run_list_tokens(*o); }); });
    }
    {
        auto o = std::make_shared<ListObjectsOptions>();
        auto* cmd = app.add_subcommand(
            "list-objects", "list a token's objects (public ones; private ones with --login)");
        add_common(cmd, o->common);
        cmd->add_flag("--login", o->login, "log in as the user to list private objects too");
        cmd->add_flag("--json", o->json, "machine-readable output (docs/tool-json.md)");
        add_pin_options(cmd, o->pin, "", "user PIN");
        cmd->callback([o, &ctx] { guarded("list-objects", ctx, [&] { run_list_objects(*o); }); });
    }
    {
        auto o = std::make_shared<DeleteOptions>();
        auto* cmd =
            app.add_subcommand("delete-object", "destroy objects by number (see list-objects)");
        add_common(cmd, o->common);
        cmd->add_option("objects", o->handles, "object numbers")->required();
        cmd->add_flag("-y,--yes", o->yes, "destroy without asking");
        add_pin_options(cmd, o->pin, "", "user PIN");
        cmd->callback([o, &ctx] { guarded("delete-object", ctx, [&] { run_delete(*o); }); });
    }
}

}  // namespace gostcsp::tool
