// SPDX-License-Identifier: Apache-2.0
// `gostcsp-tool` key pairs: keygen, import-cert (bound to the key pair whose public key matches)
// and list-keys (one entry per key pair, with its certificate and pkcs11: URI).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "json_writer.hpp"
#include "key_inventory.hpp"
#include "token_common.hpp"

namespace gostcsp::tool {
namespace {

// The parameter set a user names: canonical names (tc26-256-A, cryptopro-A, ...), the standards'
// full names, dotted OIDs and gost-engine's spellings (XA, TCA, ...), from the one table in
// core/params. A bare 256-bit letter is refused: gost-engine's "A" is cryptopro-A (the tc26-256-B
// curve) while OpenSC's pkcs11-tool "A" (and this tool before) is tc26-256-A.
core::ParamSetSpelling parse_param_set(unsigned bits, const std::string& name) {
    std::string names;
    for (const auto& s : core::canonical_param_set_names())
        if (core::param_set_info(s.set).bits == bits)
            names += (names.empty() ? "" : ", ") + std::string(s.name);
    if (core::is_ambiguous_param_letter(bits, name)) {
        fail("parameter set '" + name +
             "' is ambiguous: gost-engine reads it as a CryptoPro set, OpenSC's pkcs11-tool as a "
             "tc26 set (another curve); use one of: " +
             names);
    }
    if (auto s = core::resolve_param_set(bits, name)) return *s;
    if (core::resolve_param_set(bits == 256 ? 512 : 256, name))
        fail("parameter set '" + name + "' is not a " + std::to_string(bits) + "-bit set");
    fail("unknown parameter set '" + name + "'; use one of: " + names);
}

Bytes parse_id(const std::string& text) {
    if (text.empty()) return {};
    auto parsed = from_hex(text);
    if (!parsed) fail("--id must be hex digits, e.g. 01a2");
    return *parsed;
}

// Refuses a key label or id that a key on the token already has: a URI must select one key.
void refuse_duplicate_key(ks::Token& t, const std::string& label, const Bytes& id) {
    for (const auto& k : key_inventory(t)) {
        if (!label.empty() && k.label == label)
            fail("a key labelled '" + label + "' exists on this token (id " + hex(k.id) +
                 "); choose another --label");
        if (!id.empty() && k.id == id)
            fail("a key with id " + hex(id) + " exists on this token (label '" + k.label +
                 "'); choose another --id");
    }
}

struct KeygenOptions {
    Common common;
    unsigned bits = 256;
    std::string param_set;
    std::string label;
    std::string id;
    PinSource pin;
};

void run_keygen(const KeygenOptions& o) {
    const auto spelling = parse_param_set(
        o.bits, o.param_set.empty() ? (o.bits == 256 ? "tc26-256-A" : "tc26-512-A") : o.param_set);
    const auto set = spelling.set;
    const Bytes id = parse_id(o.id);
    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    refuse_factory_pins(cfg, *t, "key generation");
    login(*t, ks::UserType::user, o.pin);
    refuse_duplicate_key(*t, o.label, id);
    const unsigned bits = core::param_set_info(set).bits;
    ks::Object pub, priv;
    pub.is_private = false;
    priv.is_private = true;
    priv.sensitive = true;
    priv.extractable = false;
    // The attributes C_GenerateKeyPair would give the pair, so the PKCS#11 module serves it.
    for (ks::Object* k : {&pub, &priv}) {
        k->is_token = true;
        k->attributes = {
            {cka_label, text_attr(o.label)},
            {cka_id, id},
            {cka_subject, {}},
            {cka_start_date, {}},
            {cka_end_date, {}},
            {cka_derive, bool_attr(true)},
            {cka_local, bool_attr(true)},
            {cka_key_gen_mechanism,
             ulong_attr(bits == 256 ? ckm_gostr3410_key_pair_gen : ckm_gostr3410_512_key_pair_gen)},
            {cka_modifiable, bool_attr(true)},
            {cka_copyable, bool_attr(true)},
            {cka_destroyable, bool_attr(true)},
            {cka_gostr3411_params, streebog_oid_der(bits)},
            {cka_allowed_mechanisms, {}},
            {cka_public_key_info, {}},
        };
        // The OID asked for (a CryptoPro alias) is the OID the key reports.
        if (spelling.oid != core::param_set_info(set).oid)
            k->attributes.push_back({ks::cka_gostcsp_param_oid, oid_der(spelling.oid)});
    }
    using Flag = std::pair<std::uint64_t, bool>;
    for (const Flag& f : {Flag{cka_verify, true}, Flag{cka_encrypt, false}, Flag{cka_wrap, false},
                          Flag{cka_verify_recover, false}, Flag{cka_trusted, false}}) {
        pub.attributes.push_back({f.first, bool_attr(f.second)});
    }
    for (const Flag& f : {Flag{cka_sign, true}, Flag{cka_decrypt, false}, Flag{cka_unwrap, false},
                          Flag{cka_sign_recover, false}, Flag{cka_wrap_with_trusted, false},
                          Flag{cka_always_authenticate, false}}) {
        priv.attributes.push_back({f.first, bool_attr(f.second)});
    }
    auto kp = take(t->generate_key_pair(set, pub, priv), "key generation");
    auto pub_obj = take(t->read_object(kp.public_key), "reading the new public key");
    std::cout << "generated GOST R 34.10-2012 " << bits << "-bit key pair (" << spelling.name
              << ", " << spelling.oid << ")\n"
              << "  private key: object " << kp.private_key << " (sensitive, non-extractable)\n"
              << "  public key:  object " << kp.public_key << '\n'
              << "  public X‖Y (little-endian): " << hex(pub_obj.public_key) << '\n';
}

struct ImportCertOptions {
    Common common;
    std::string file;
    std::string label;
    std::string id;
    bool ca = false;
    PinSource pin;
};

void run_import_cert(const ImportCertOptions& o) {
    Bytes id = parse_id(o.id);
    std::ifstream in(o.file, std::ios::binary);
    if (!in) fail(o.file + ": " + std::strerror(errno));
    const std::string raw((std::istreambuf_iterator<char>(in)), {});
    Bytes der;
    auto cert = parse_certificate(raw, &der);
    if (!cert) fail(o.file + ": not an X.509 certificate (PEM or DER)");

    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    refuse_factory_pins(cfg, *t, "importing");
    login(*t, ks::UserType::user, o.pin);
    std::string label = o.label;
    // Bind to the key pair whose public key is the certificate's.
    const KeyEntry* match = nullptr;
    const auto keys = key_inventory(*t);
    for (const auto& k : keys)
        if (!cert->public_key.empty() && k.public_xy == cert->public_key) match = &k;
    if (match != nullptr) {
        if (!id.empty() && id != match->id)
            fail("the certificate's public key is that of key '" + match->label + "' (id " +
                 hex(match->id) + "), not of id " + hex(id) + "; drop --id or give --id " +
                 hex(match->id));
        id = match->id;
        if (label.empty()) label = match->label;
    } else if (!o.ca) {
        std::string why = cert->public_key.empty() ? "its key is not a GOST R 34.10-2012 key"
                                                   : "no key pair on this token has its public key";
        fail("the certificate (" + cert->subject + ") matches no key on this token: " + why +
             "; to store a CA or peer certificate anyway, add --ca");
    } else {
        for (const auto& k : keys)
            if (!id.empty() && k.id == id)
                fail("--id " + hex(id) + " is the id of key '" + k.label +
                     "', whose public key is not the certificate's");
    }
    for (const auto& c : stored_certificates(*t)) {
        if (c.subject == cert->subject && c.issuer == cert->issuer &&
            c.serial_hex == cert->serial_hex)
            fail("this certificate is already stored (object " + std::to_string(c.handle) + ")");
    }
    ks::Object c;
    c.object_class = ks::cko_certificate;
    c.is_token = true;
    c.is_private = false;
    c.attributes = {
        {cka_label, text_attr(label)},
        {cka_id, id},
        {cka_certificate_type, ulong_attr(ckc_x_509)},
        {ks::cka_value, der},
        {cka_subject, cert->subject_der},
        {cka_issuer, cert->issuer_der},
        {cka_serial_number, cert->serial_der},
        {cka_trusted, bool_attr(false)},
        {cka_certificate_category, ulong_attr(o.ca && match == nullptr ? 2 : 1)},
        {cka_modifiable, bool_attr(true)},
        {cka_copyable, bool_attr(true)},
        {cka_destroyable, bool_attr(true)},
        {cka_start_date, {}},
        {cka_end_date, {}},
        {cka_check_value, {}},
        {cka_url, {}},
        {cka_hash_of_subject_public_key, {}},
        {cka_hash_of_issuer_public_key, {}},
        {cka_java_midp_security_domain, ulong_attr(0)},
        {cka_public_key_info, {}},
    };
    auto h = take(t->create_object(c), "storing the certificate");
    std::cout << "imported certificate as object " << h << " (" << der.size() << " bytes DER)";
    if (match != nullptr)
        std::cout << " for key '" << match->label << "' (id " << hex(match->id) << ")";
    else
        std::cout << " as a CA/peer certificate (no key of its own)";
    std::cout << '\n';
}

struct ListKeysOptions {
    Common common;
    bool login = false;
    bool json = false;
    PinSource pin;
};

void run_list_keys(const ListKeysOptions& o) {
    const auto cfg = config_for(o.common);
    const auto path = find_token(cfg, o.common.token);
    auto t = open_token(cfg, path);
    auto info = take(t->info(), "reading the token");
    if (o.login) login(*t, ks::UserType::user, o.pin);
    // A serial in the URI only when the label alone would select several tokens.
    int same_label = 0;
    for (const auto& other : initialised_tokens(cfg)) same_label += other.label == info.label;
    const std::string serial = same_label > 1 ? info.serial : std::string();
    const auto keys = key_inventory(*t);
    if (o.json) {
        JsonWriter j;
        j.begin_object().key("token").begin_object();
        j.field("label", info.label).field("serial", info.serial).field("path", path.string());
        j.end_object().field("logged_in", o.login).key("keys").begin_array();
        for (const auto& k : keys) {
            j.begin_object().field("label", k.label).field("id", hex(k.id));
            j.field("algorithm", k.bits == 256 ? "gost2012_256" : "gost2012_512");
            j.field("bits", k.bits);
            j.key("param_set").begin_object().field("name", k.param_set.name);
            j.field("oid", k.param_set.oid).end_object();
            j.key("usage").begin_array();
            for (const auto& u : k.usage) j.value(u);
            j.end_array();
            j.key("public_key_object");
            k.public_key ? j.value(k.public_key) : j.null();
            j.key("private_key_object");
            k.private_key ? j.value(k.private_key) : j.null();
            j.key("certificate");
            if (k.certificate) {
                const auto& c = *k.certificate;
                j.begin_object().field("object", c.handle).field("subject", c.subject);
                j.field("issuer", c.issuer).field("serial", c.serial_hex);
                j.field("not_before", c.not_before).field("not_after", c.not_after);
                j.field("expired", c.expired).end_object();
            } else {
                j.null();
            }
            j.field("uri", format_key_uri(info.label, serial, k.label, k.id)).end_object();
        }
        j.end_array().end_object();
        std::cout << j.str() << '\n';
        return;
    }
    if (keys.empty()) {
        std::cout << "no key pairs on token '" << info.label << "'\n";
        return;
    }
    for (const auto& k : keys) {
        std::cout << "key '" << k.label << "' id " << (k.id.empty() ? "-" : hex(k.id)) << '\n'
                  << "  algorithm: GOST R 34.10-2012 " << k.bits << "-bit, " << k.param_set.name
                  << " (" << k.param_set.oid << ")\n  usage:     ";
        for (std::size_t i = 0; i < k.usage.size(); ++i) std::cout << (i ? ", " : "") << k.usage[i];
        if (k.private_key == ks::invalid_handle)
            std::cout << (k.usage.empty() ? "" : "; ") << "private half not shown (add --login)";
        std::cout << "\n  objects:   public " << k.public_key << ", private "
                  << (k.private_key ? std::to_string(k.private_key) : "-") << '\n';
        if (k.certificate) {
            const auto& c = *k.certificate;
            std::cout << "  certificate: object " << c.handle << "\n    subject: " << c.subject
                      << "\n    issuer:  " << c.issuer << "\n    serial:  " << c.serial_hex
                      << "\n    valid:   " << c.not_before << " .. " << c.not_after
                      << (c.expired ? " (EXPIRED)" : "") << '\n';
        } else {
            std::cout << "  certificate: none\n";
        }
        std::cout << "  uri:       " << format_key_uri(info.label, serial, k.label, k.id) << '\n';
    }
}

}  // namespace

void register_key_commands(CLI::App& app, ToolContext& ctx) {
    {
        auto o = std::make_shared<KeygenOptions>();
        auto* cmd = app.add_subcommand(
            "keygen", "generate a GOST R 34.10-2012 key pair inside the token (non-exportable)");
        add_common(cmd, o->common);
        cmd->add_option("-b,--bits", o->bits, "key size: 256 (default) or 512")
            ->check(CLI::IsMember({256u, 512u}));
        cmd->add_option("-p,--param-set", o->param_set,
                        "parameter set: tc26-256-A (default), tc26-256-B..D, cryptopro-A..C, "
                        "cryptopro-XchA/XchB, tc26-512-A (default for 512)..C, gost-engine's "
                        "XA/XB/TCA..TCD, a full name or an OID (docs/openssl.md)");
        cmd->add_option("-l,--label", o->label, "CKA_LABEL of both halves");
        cmd->add_option("--id", o->id, "CKA_ID of both halves, hex");
        add_pin_options(cmd, o->pin, "", "user PIN");
        cmd->callback([o, &ctx] { guarded("keygen", ctx, [&] { run_keygen(*o); }); });
    }
    {
        auto o = std::make_shared<ImportCertOptions>();
        auto* cmd = app.add_subcommand(
            "import-cert",
            "store an X.509 certificate (PEM or DER) for the key pair whose public key it holds");
        add_common(cmd, o->common);
        cmd->add_option("file", o->file, "certificate file")->required();
        cmd->add_option("-l,--label", o->label, "CKA_LABEL (default: the key's label)");
        cmd->add_option("--id", o->id, "CKA_ID, hex (default: the matching key's id)");
        cmd->add_flag("--ca", o->ca,
                      "store a certificate that matches no key on the token (a CA or peer)");
        add_pin_options(cmd, o->pin, "", "user PIN");
        cmd->callback([o, &ctx] { guarded("import-cert", ctx, [&] { run_import_cert(*o); }); });
    }
    {
        auto o = std::make_shared<ListKeysOptions>();
        auto* cmd = app.add_subcommand(
            "list-keys",
            "list key pairs: algorithm, parameter set, usage, certificate, pkcs11: URI");
        add_common(cmd, o->common);
        cmd->add_flag("--login", o->login, "log in as the user to show the private halves");
        cmd->add_flag("--json", o->json, "machine-readable output (docs/tool-json.md)");
        add_pin_options(cmd, o->pin, "", "user PIN");
        cmd->callback([o, &ctx] { guarded("list-keys", ctx, [&] { run_list_keys(*o); }); });
    }
}

}  // namespace gostcsp::tool
