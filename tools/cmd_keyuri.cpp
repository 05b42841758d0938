// SPDX-License-Identifier: Apache-2.0
// `gostcsp-tool key-uri`: writes a key-URI PEM file (a `pkcs11:` URI in a PEM block) that
// gostcsp.so decodes into the token key, so programs that only take key files use token keys.
//
// The URI is built and percent-encoded by p11-kit (RFC 7512). The file never carries a PIN unless
// the user asks for a pin-source (a path to a file holding the PIN, not the PIN itself).
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <p11-kit/uri.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"

namespace gostcsp::tool {
namespace {

constexpr const char* pem_name =
    "PKCS#11 PROVIDER URI";  // read by gostcsp.so (and pkcs11-provider)
constexpr const char* pem_desc = "PKCS#11 Provider URI v1.0";

struct KeyUriOptions {
    std::string token;
    std::string label;
    std::string id_hex;
    std::string pin_source;
    std::string output;
    bool print_only = false;
};

std::optional<std::vector<unsigned char>> parse_hex(const std::string& s) {
    if (s.size() % 2 != 0) return std::nullopt;
    std::vector<unsigned char> out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
        char* end = nullptr;
        const std::string byte = s.substr(i, 2);
        const long v = std::strtol(byte.c_str(), &end, 16);
        if (end == nullptr || *end != '\0') return std::nullopt;
        out.push_back(static_cast<unsigned char>(v));
    }
    return out;
}

struct UriFree {
    void operator()(P11KitUri* u) const noexcept { p11_kit_uri_free(u); }
};

// Returns the formatted URI or an empty string with a message on stderr.
std::string build_uri(const KeyUriOptions& o) {
    std::unique_ptr<P11KitUri, UriFree> uri(p11_kit_uri_new());
    if (!uri) return {};
    CK_TOKEN_INFO* ti = p11_kit_uri_get_token_info(uri.get());
    // Token labels are 32-byte blank-padded fields in CK_TOKEN_INFO.
    if (o.token.size() > sizeof ti->label) {
        std::cerr << "gostcsp-tool key-uri: token label longer than 32 bytes\n";
        return {};
    }
    std::memset(ti->label, ' ', sizeof ti->label);
    std::memcpy(ti->label, o.token.data(), o.token.size());
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE a_cls{CKA_CLASS, &cls, sizeof cls};
    if (p11_kit_uri_set_attribute(uri.get(), &a_cls) != P11_KIT_URI_OK) return {};
    if (!o.label.empty()) {
        CK_ATTRIBUTE a{CKA_LABEL, const_cast<char*>(o.label.data()), o.label.size()};
        if (p11_kit_uri_set_attribute(uri.get(), &a) != P11_KIT_URI_OK) return {};
    }
    std::vector<unsigned char> id;
    if (!o.id_hex.empty()) {
        const auto parsed = parse_hex(o.id_hex);
        if (!parsed) {
            std::cerr << "gostcsp-tool key-uri: --id must be hex digits, e.g. 01a2\n";
            return {};
        }
        id = *parsed;
        CK_ATTRIBUTE a{CKA_ID, id.data(), id.size()};
        if (p11_kit_uri_set_attribute(uri.get(), &a) != P11_KIT_URI_OK) return {};
    }
    if (!o.pin_source.empty()) p11_kit_uri_set_pin_source(uri.get(), o.pin_source.c_str());
    char* text = nullptr;
    if (p11_kit_uri_format(uri.get(), P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &text) != P11_KIT_URI_OK ||
        text == nullptr)
        return {};
    std::string out(text);
    std::free(text);
    return out;
}

// DER SEQUENCE { desc VisibleString, uri UTF8String } in a PEM block.
bool write_pem(const std::string& uri, const std::string& path) {
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
    if (len <= 0) return false;
    BIO* out = path == "-" ? BIO_new_fp(stdout, BIO_NOCLOSE) : BIO_new_file(path.c_str(), "w");
    ok = out != nullptr && PEM_write_bio(out, pem_name, "", der, len) > 0;
    BIO_free(out);
    OPENSSL_free(der);
    if (ok && path != "-") (void)chmod(path.c_str(), 0644);  // no secret inside
    return ok;
}

void run_key_uri(const KeyUriOptions& o, ToolContext& ctx) {
    const std::string uri = build_uri(o);
    if (uri.empty()) {
        std::cerr << "gostcsp-tool key-uri: could not build the URI\n";
        ctx.fail(1);
        return;
    }
    if (o.print_only || o.output.empty()) {
        std::cout << uri << '\n';
        if (o.output.empty()) return;
    }
    if (!write_pem(uri, o.output)) {
        std::cerr << "gostcsp-tool key-uri: cannot write " << o.output << '\n';
        ctx.fail(1);
        return;
    }
    if (o.output != "-")
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
    cmd->add_option("-t,--token", o->token, "token label")->required();
    cmd->add_option("-l,--label", o->label, "key label (CKA_LABEL)");
    cmd->add_option("--id", o->id_hex, "key id (CKA_ID), hex");
    cmd->add_option("--pin-source", o->pin_source,
                    "put pin-source=PATH into the URI (a file holding the PIN; never the PIN)");
    cmd->add_option("-o,--output", o->output, "PEM file to write ('-' for stdout)");
    cmd->add_flag("--print", o->print_only, "also print the URI");
    cmd->callback([o, &ctx] {
        if (o->label.empty() && o->id_hex.empty()) {
            std::cerr << "gostcsp-tool key-uri: give --label or --id\n";
            ctx.fail(2);
            return;
        }
        run_key_uri(*o, ctx);
    });
}

}  // namespace gostcsp::tool
