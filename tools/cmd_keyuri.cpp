// SPDX-License-Identifier: Apache-2.0
// `gostcsp-tool key-uri`: writes a key-URI PEM file (a `pkcs11:` URI in a PEM block) that
// gostcsp.so decodes into the token key, so programs that only take key files use token keys.
//
// The URI is built and percent-encoded by p11-kit (RFC 7512). The file never carries a PIN unless
// the user asks for a pin-source (a path to a file holding the PIN, not the PIN itself).
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <p11-kit/uri.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gostcsp/object_ids.hpp"
#include "key_inventory.hpp"
#include "output_file.hpp"
#include "token_common.hpp"

namespace gostcsp::tool {
namespace {

constexpr const char* pem_name =
    "PKCS#11 PROVIDER URI";  // read by gostcsp.so (and pkcs11-provider)
constexpr const char* pem_desc = "PKCS#11 Provider URI v1.0";

struct KeyUriOptions {
    Common common;
    std::string label;
    std::string id_hex;
    std::string pin_source;
    std::string output;
    std::string format = "pkcs11-provider";
    bool print_only = false;
};

// What a memory BIO holds, as text.
std::string take_text(BIO* mem) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(mem, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// DER SEQUENCE { desc VisibleString, uri UTF8String } in a PEM block.
// Returns the PEM text, or "" on failure.
std::string pem_text(const std::string& uri) {
    ASN1_SEQUENCE_ANY* seq = sk_ASN1_TYPE_new_null();
    ASN1_TYPE* desc = ASN1_TYPE_new();
    ASN1_TYPE* u = ASN1_TYPE_new();
    ASN1_STRING* ds = ASN1_STRING_type_new(V_ASN1_VISIBLESTRING);
    ASN1_STRING* us = ASN1_STRING_type_new(V_ASN1_UTF8STRING);
    bool ok = seq != nullptr && desc != nullptr && u != nullptr && ds != nullptr && us != nullptr &&
              ASN1_STRING_set(ds, pem_desc, -1) == 1 &&
              ASN1_STRING_set(us, uri.data(), static_cast<int>(uri.size())) == 1;
    if (ok) {
        ASN1_TYPE_set(desc, V_ASN1_VISIBLESTRING, ds);
        ASN1_TYPE_set(u, V_ASN1_UTF8STRING, us);
        ds = us = nullptr;
        ok = sk_ASN1_TYPE_push(seq, desc) > 0;
        if (ok) desc = nullptr;
        ok = ok && sk_ASN1_TYPE_push(seq, u) > 0;
        if (ok) u = nullptr;
    }
    unsigned char* der = nullptr;
    const int len = ok ? i2d_ASN1_SEQUENCE_ANY(seq, &der) : -1;
    ASN1_STRING_free(ds);
    ASN1_STRING_free(us);
    ASN1_TYPE_free(desc);
    ASN1_TYPE_free(u);
    sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
    if (len <= 0) return {};
    BIO* out = BIO_new(BIO_s_mem());
    ok = out != nullptr && PEM_write_bio(out, pem_name, "", der, len) > 0;
    OPENSSL_free(der);
    std::string text = ok ? take_text(out) : std::string();
    BIO_free(out);
    return text;
}

// The gostcsp key reference (gostcsp/object_ids.hpp): PKCS#8 "PRIVATE KEY" whose algorithm is the
// reference OID and whose privateKey is the URI. OpenSSL 3.0 programs that read keys only through
// PEM_read_PrivateKey (openssl ts -reply, TS_CONF_load_key) reach the gostcsp engine's ASN.1
// method through the legacy PKCS#8 fallback and get a shell key. Returns "" on failure.
std::string reference_pem_text(const std::string& uri) {
    PKCS8_PRIV_KEY_INFO* p8 = PKCS8_PRIV_KEY_INFO_new();
    ASN1_OBJECT* alg = OBJ_txt2obj(key_reference_oid, 1);
    auto* value = static_cast<unsigned char*>(OPENSSL_memdup(uri.data(), uri.size()));
    bool ok = p8 != nullptr && alg != nullptr && value != nullptr &&
              PKCS8_pkey_set0(p8, alg, 0, V_ASN1_UNDEF, nullptr, value,
                              static_cast<int>(uri.size())) == 1;
    if (!ok) {
        OPENSSL_free(value);
        ASN1_OBJECT_free(alg);
    }
    BIO* out = ok ? BIO_new(BIO_s_mem()) : nullptr;
    ok = out != nullptr && PEM_write_bio_PKCS8_PRIV_KEY_INFO(out, p8) == 1;
    std::string text = ok ? take_text(out) : std::string();
    BIO_free(out);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return text;
}

// Resolves what the URI will name: the token(s) with this label (or serial), the key pair with
// this label / id on them. Exactly one key must match, or the URI would select none or several.
std::string resolve_uri(const KeyUriOptions& o) {
    const auto cfg = config_for(o.common);
    Bytes id;
    if (!o.id_hex.empty()) {
        auto parsed = from_hex(o.id_hex);
        if (!parsed) fail("--id must be hex digits, e.g. 01a2");
        id = *parsed;
    }
    const auto tokens = initialised_tokens(cfg);
    std::vector<const ks::TokenInfo*> named;
    for (const auto& t : tokens)
        if (o.common.token.empty() || t.label == o.common.token || t.serial == o.common.token)
            named.push_back(&t);
    if (named.empty())
        fail(o.common.token.empty()
                 ? "no initialised token in " + cfg.token_dir.string()
                 : "no token labelled '" + o.common.token + "' in " + cfg.token_dir.string());
    struct Hit {
        const ks::TokenInfo* token;
        KeyEntry key;
    };
    std::vector<Hit> hits;
    for (const auto* info : named) {
        auto t = open_token(cfg, info->path);
        for (auto& k : key_inventory(*t)) {
            if (!o.label.empty() && k.label != o.label) continue;
            if (!o.id_hex.empty() && k.id != id) continue;
            hits.push_back({info, std::move(k)});
        }
    }
    std::string what = (o.label.empty() ? "" : "label '" + o.label + "'") +
                       (o.label.empty() || o.id_hex.empty() ? "" : " and ") +
                       (o.id_hex.empty() ? "" : "id " + hex(id));
    if (hits.empty())
        fail("no key with " + what + " on " +
             (named.size() == 1 ? "token '" + named.front()->label + "'"
                                : std::to_string(named.size()) + " tokens") +
             " (gostcsp-tool list-keys shows the keys)");
    if (hits.size() > 1)
        fail(std::to_string(hits.size()) + " keys match " + what +
             "; give --label and --id that select one (gostcsp-tool list-keys)");
    const Hit& h = hits.front();
    int same_label = 0;
    for (const auto& t : tokens) same_label += t.label == h.token->label;
    return format_key_uri(h.token->label, same_label > 1 ? h.token->serial : std::string(), o.label,
                          o.id_hex.empty() ? Bytes{} : id, o.pin_source);
}

void run_key_uri(const KeyUriOptions& o) {
    const std::string uri = resolve_uri(o);
    if (o.print_only || o.output.empty()) {
        std::cout << uri << '\n';
        if (o.output.empty()) return;
    }
    const std::string pem = o.format == "reference" ? reference_pem_text(uri) : pem_text(uri);
    if (pem.empty()) fail("could not encode the key file");
    if (o.output == "-") {
        std::cout << pem;
        return;
    }
    // No secret inside: a new file is world-readable (0644 & ~umask); an existing file or a
    // device keeps its mode.
    if (const std::string e = write_output_file(o.output, pem, 0644); !e.empty()) fail(e);
    std::cout << "wrote " << o.output << " for " << uri
              << "\n(load it with gostcsp.so active: openssl pkey -in " << o.output
              << " -pubout)\n";
}

}  // namespace

void register_key_uri_command(CLI::App& app, ToolContext& ctx) {
    auto o = std::make_shared<KeyUriOptions>();
    auto* cmd = app.add_subcommand(
        "key-uri",
        "write a key file that names a token key by its pkcs11: URI (for programs that only "
        "take key files; the key stays on the token)");
    cmd->add_option("-t,--token", o->common.token, "token label (or serial)")->required();
    cmd->add_option("--token-dir", o->common.token_dir,
                    "token directory (default: GOSTCSP_TOKEN_DIR, else token_dir in gostcsp.conf)");
    cmd->add_option("-l,--label", o->label, "key label (CKA_LABEL)");
    cmd->add_option("--id", o->id_hex, "key id (CKA_ID), hex");
    cmd->add_option("--pin-source", o->pin_source,
                    "put pin-source=PATH into the URI (a file holding the PIN; never the PIN)");
    cmd->add_option("-o,--output", o->output, "PEM file to write ('-' for stdout)");
    cmd->add_option("--format", o->format,
                    "pkcs11-provider (default: a \"PKCS#11 PROVIDER URI\" block that gostcsp.so and "
                    "pkcs11-provider decode) or reference (a gostcsp key reference in a PKCS#8 "
                    "block, for openssl ts -reply and other PEM-only readers with the gostcsp "
                    "engine loaded)")
        ->check(CLI::IsMember({"pkcs11-provider", "reference"}));
    cmd->add_flag("--print", o->print_only, "also print the URI");
    cmd->callback([o, &ctx] {
        if (o->label.empty() && o->id_hex.empty()) {
            std::cerr << "gostcsp-tool key-uri: give --label or --id\n";
            ctx.fail(2);
            return;
        }
        guarded("key-uri", ctx, [&] { run_key_uri(*o); });
    });
}

}  // namespace gostcsp::tool
