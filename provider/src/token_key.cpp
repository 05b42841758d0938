// SPDX-License-Identifier: Apache-2.0
// Token keys: RFC 7512 look-up (p11-kit URI parser), login and PIN sources, public halves from
// the token, sign (raw or hash-and-sign) and VKO (C_DeriveKey) on the token.
#include "token_key.hpp"

#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <p11-kit/uri.h>

#include <cstring>
#include <optional>

#include "errors.hpp"
#include "p11_errors.hpp"

namespace gostcsp::prov {

namespace {

using Bytes = std::vector<std::uint8_t>;

// CK_GOSTR3410_DERIVE_PARAMS (TC26); p11-kit 0.24's headers do not carry it.
struct GostDeriveParams {
    CK_ULONG kdf;
    CK_BYTE_PTR pPublicData;
    CK_ULONG ulPublicDataLen;
    CK_BYTE_PTR pUKM;
    CK_ULONG ulUKMLen;
};

struct UriFree {
    void operator()(P11KitUri* u) const noexcept { p11_kit_uri_free(u); }
};

std::optional<Bytes> get_attr(CK_FUNCTION_LIST* fl, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                              CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (fl->C_GetAttributeValue(h, o, &a, 1) != CKR_OK || a.ulValueLen == static_cast<CK_ULONG>(-1))
        return std::nullopt;
    Bytes v(a.ulValueLen);
    a.pValue = v.data();
    if (fl->C_GetAttributeValue(h, o, &a, 1) != CKR_OK) return std::nullopt;
    v.resize(a.ulValueLen);
    return v;
}

std::optional<CK_ULONG> get_ulong(CK_FUNCTION_LIST* fl, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                                  CK_ATTRIBUTE_TYPE type) {
    CK_ULONG v = 0;
    CK_ATTRIBUTE a{type, &v, sizeof v};
    if (fl->C_GetAttributeValue(h, o, &a, 1) != CKR_OK || a.ulValueLen != sizeof v)
        return std::nullopt;
    return v;
}

CK_RV find_objects(CK_FUNCTION_LIST* fl, CK_SESSION_HANDLE h, CK_ATTRIBUTE* tmpl, CK_ULONG n,
                   std::vector<CK_OBJECT_HANDLE>& out, std::size_t limit = 4096) {
    CK_RV rv = fl->C_FindObjectsInit(h, tmpl, n);
    if (rv != CKR_OK) return rv;
    CK_OBJECT_HANDLE batch[64];
    for (;;) {
        CK_ULONG got = 0;
        rv = fl->C_FindObjects(h, batch, 64, &got);
        if (rv != CKR_OK || got == 0) break;
        out.insert(out.end(), batch, batch + got);
        if (out.size() >= limit) break;
    }
    const CK_RV fin = fl->C_FindObjectsFinal(h);
    return rv != CKR_OK ? rv : fin;
}

std::optional<KeyKind> kind_of(CK_FUNCTION_LIST* fl, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o) {
    const auto kt = get_ulong(fl, h, o, CKA_KEY_TYPE);
    if (!kt) return std::nullopt;
    if (*kt == CKK_GOSTR3410) return KeyKind::k256;
    if (*kt == ckk_gostr3410_512) return KeyKind::k512;
    return std::nullopt;
}

std::optional<ParamChoice> params_of(CK_FUNCTION_LIST* fl, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                                     KeyKind kind) {
    const auto der = get_attr(fl, h, o, CKA_GOSTR3410_PARAMS);
    if (!der || der->empty()) return std::nullopt;
    const unsigned char* p = der->data();
    ASN1_OBJECT* obj = d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(der->size()));
    if (obj == nullptr) return std::nullopt;
    char dotted[64];
    const int n = OBJ_obj2txt(dotted, sizeof dotted, obj, 1);
    ASN1_OBJECT_free(obj);
    if (n <= 0 || n >= static_cast<int>(sizeof dotted)) return std::nullopt;
    return parse_param_set(kind, dotted);
}

// CKA_VALUE of a GOST public key: X‖Y little-endian; some tokens wrap it in an OCTET STRING.
std::span<const std::uint8_t> unwrap_point(const Bytes& v, std::size_t want) {
    if (v.size() == want) return {v.data(), v.size()};
    if (v.size() > want && v[0] == 0x04) {
        const unsigned char* p = v.data();
        long len = 0;
        int tag = 0, cls = 0;
        const int r = ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(v.size()));
        if ((r & 0x80) == 0 && tag == V_ASN1_OCTET_STRING && static_cast<std::size_t>(len) == want)
            return {p, want};
    }
    return {};
}

// The public point of a certificate's SPKI (BIT STRING → OCTET STRING → X‖Y).
std::optional<Bytes> point_from_cert(const Bytes& der, std::size_t want) {
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (x == nullptr) return std::nullopt;
    const unsigned char* pk = nullptr;
    int pklen = 0;
    std::optional<Bytes> out;
    if (X509_PUBKEY_get0_param(nullptr, &pk, &pklen, nullptr, X509_get_X509_PUBKEY(x)) == 1) {
        const Bytes bits(pk, pk + pklen);
        const auto s = unwrap_point(bits, want);
        if (!s.empty()) out = Bytes(s.begin(), s.end());
    }
    X509_free(x);
    return out;
}

bool ask_pin(ProvCtx* prov, const Token& t, PinSources& pins, PinBuffer& pin) {
    if (!pins.uri_pin_value.empty()) {
        pin.assign(pins.uri_pin_value.data(), pins.uri_pin_value.size());
        return true;
    }
    if (!pins.uri_pin_source.empty()) {
        if (read_pin_file(pins.uri_pin_source, pin)) return true;
        GOSTCSP_RAISE(prov, Reason::passphrase_failed, "cannot read pin-source \"%s\"",
                      pins.uri_pin_source.c_str());
        return false;
    }
    P11Client* client = p11_client(prov);
    if (client != nullptr && !client->configured_pin.empty()) {
        pin.assign(client->configured_pin.data(), client->configured_pin.size());
        return true;
    }
    if (client != nullptr && !client->configured_pin_file.empty()) {
        if (read_pin_file(client->configured_pin_file, pin)) return true;
        GOSTCSP_RAISE(prov, Reason::passphrase_failed, "cannot read pkcs11-pin-file \"%s\"",
                      client->configured_pin_file.c_str());
        return false;
    }
    if (pins.pw_cb == nullptr) {
        GOSTCSP_RAISE(prov, Reason::token_login_required,
                      "token \"%s\" needs the user PIN: give pin-value or pin-source in the URI, "
                      "pkcs11-pin-file in the provider configuration, or a passphrase",
                      t.label().c_str());
        return false;
    }
    const std::string info = "PKCS#11 token \"" + t.label() + "\" user PIN";
    char buf[256];
    std::size_t len = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PASSPHRASE_PARAM_INFO,
                                         const_cast<char*>(info.c_str()), 0),
        OSSL_PARAM_construct_end(),
    };
    if (!pins.pw_cb(buf, sizeof buf, &len, params, pins.pw_cbarg) || len > sizeof buf) {
        OPENSSL_cleanse(buf, sizeof buf);
        GOSTCSP_RAISE(prov, Reason::passphrase_failed, "no PIN for token \"%s\"",
                      t.label().c_str());
        return false;
    }
    pin.assign(buf, len);
    OPENSSL_cleanse(buf, sizeof buf);
    return true;
}

// Logs the user in once per token per process; refuses early on the token's PIN policies.
bool ensure_login(ProvCtx* prov, Token& t, CK_SESSION_HANDLE h, PinSources& pins) {
    const CK_FLAGS flags = t.current_flags();
    if ((flags & CKF_LOGIN_REQUIRED) == 0) return true;
    if (t.logged_in()) {
        CK_SESSION_INFO si{};
        if (t.functions()->C_GetSessionInfo(h, &si) == CKR_OK &&
            (si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS))
            return true;
        if (t.has_pin() && t.relogin(h) == CKR_OK) return true;
    }
    if ((flags & CKF_USER_PIN_LOCKED) != 0) {
        GOSTCSP_RAISE_CKR(prov, CKR_PIN_LOCKED, &t, "login");
        return false;
    }
    if ((flags & CKF_USER_PIN_TO_BE_CHANGED) != 0) {
        GOSTCSP_RAISE_CKR(prov, CKR_PIN_EXPIRED, &t, "login");
        return false;
    }
    CK_RV rv;
    if ((flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0 && pins.uri_pin_value.empty() &&
        pins.uri_pin_source.empty()) {
        rv = t.login(h, nullptr, 0);
    } else {
        PinBuffer pin;
        if (!ask_pin(prov, t, pins, pin)) return false;
        rv = t.login(h, pin.value().data(), pin.value().size());
    }
    if (rv != CKR_OK) {
        GOSTCSP_RAISE_CKR(prov, rv, &t, "login");
        return false;
    }
    if ((t.current_flags() & CKF_USER_PIN_TO_BE_CHANGED) != 0) {
        GOSTCSP_RAISE_CKR(prov, CKR_PIN_EXPIRED, &t, "login");
        return false;
    }
    return true;
}

// The object handle of a token key in this process and generation (found by CKA_ID/CKA_LABEL).
CK_RV resolve(const TokenKey& key, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE& out) {
    std::lock_guard<std::mutex> g(key.mu);
    const std::uint64_t gen = key.token->generation();
    if (key.handle != CK_INVALID_HANDLE && key.handle_generation == gen) {
        out = key.handle;
        return CKR_OK;
    }
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    std::vector<CK_ATTRIBUTE> t{{CKA_CLASS, &cls, sizeof cls}};
    if (!key.id.empty())
        t.push_back({CKA_ID, const_cast<std::uint8_t*>(key.id.data()), key.id.size()});
    if (!key.label.empty())
        t.push_back({CKA_LABEL, const_cast<char*>(key.label.data()), key.label.size()});
    std::vector<CK_OBJECT_HANDLE> found;
    const CK_RV rv = find_objects(key.token->functions(), h, t.data(),
                                  static_cast<CK_ULONG>(t.size()), found, 2);
    if (rv != CKR_OK) return rv;
    if (found.empty()) return CKR_KEY_HANDLE_INVALID;
    key.handle = found.front();
    key.handle_generation = gen;
    out = key.handle;
    return CKR_OK;
}

void forget_handle(const TokenKey& key) {
    std::lock_guard<std::mutex> g(key.mu);
    key.handle = CK_INVALID_HANDLE;
}

// Runs `fn(session, object)` on a pooled session; re-logs in and retries once when the token
// logged out (or hid the key), and opens a fresh session when one broke.
template <class F>
CK_RV run_on_key(const TokenKey& key, F&& fn, SessionLease* keep = nullptr) {
    CK_RV rv = CKR_OK;
    bool relogged = false;
    for (int attempt = 0; attempt < 3; ++attempt) {
        CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
        rv = key.token->acquire(h);
        if (rv != CKR_OK) return rv;
        SessionLease lease(key.token, h);
        if (!key.token->logged_in() && key.token->has_pin()) {
            rv = key.token->relogin(h);
            if (rv != CKR_OK) return rv;
        }
        CK_OBJECT_HANDLE obj = CK_INVALID_HANDLE;
        rv = resolve(key, h, obj);
        if (rv == CKR_OK) rv = fn(h, obj);
        if (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED) {
            lease.mark_broken();
            continue;
        }
        if ((rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_KEY_HANDLE_INVALID ||
             rv == CKR_OBJECT_HANDLE_INVALID) &&
            !relogged && key.token->has_pin()) {
            relogged = true;
            forget_handle(key);
            const CK_RV lr = key.token->relogin(h);
            if (lr != CKR_OK) return lr;
            continue;
        }
        if (rv == CKR_OK && keep != nullptr) *keep = std::move(lease);
        return rv;
    }
    return rv;
}

// Takes a pooled session of `token` into `lease`; raises the C_OpenSession failure and returns
// false when none can be had.
bool lease_session(ProvCtx* prov, const std::shared_ptr<Token>& token,
                   SessionLease& lease) noexcept {
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    const CK_RV rv = token->acquire(h);
    if (rv != CKR_OK) {
        GOSTCSP_RAISE_CKR(prov, rv, token.get(), "C_OpenSession");
        return false;
    }
    lease = SessionLease(token, h);
    return true;
}

}  // namespace

// --- client lifetime and configuration ---

P11Client* p11_client(ProvCtx* prov) noexcept {
    return prov != nullptr ? prov->p11 : nullptr;
}

void configure_p11_client(ProvCtx* prov, const OSSL_CORE_HANDLE* handle,
                          OSSL_FUNC_core_get_params_fn* get_params) noexcept {
    auto* client = make<P11Client>();
    if (client == nullptr) return;
    prov->p11 = client;
    if (get_params == nullptr) return;
    char* module = nullptr;
    char* pin = nullptr;
    char* pin_file = nullptr;
    char* allow_uri_module = nullptr;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_ptr("pkcs11-module", &module, 0),
        OSSL_PARAM_construct_utf8_ptr("pkcs11-pin", &pin, 0),
        OSSL_PARAM_construct_utf8_ptr("pkcs11-pin-file", &pin_file, 0),
        OSSL_PARAM_construct_utf8_ptr("pkcs11-allow-uri-module", &allow_uri_module, 0),
        OSSL_PARAM_construct_end(),
    };
    if (!get_params(handle, params)) return;
    try {
        if (module != nullptr) client->configured_module = module;
        if (pin != nullptr) client->configured_pin = pin;
        if (pin_file != nullptr) client->configured_pin_file = pin_file;
        if (allow_uri_module != nullptr) {
            const std::string v = allow_uri_module;
            client->allow_uri_modules = v == "yes" || v == "1" || v == "true";
        }
    } catch (...) {
    }
}

void free_p11_client(ProvCtx* prov) noexcept {
    if (prov == nullptr) return;
    delete prov->p11;
    prov->p11 = nullptr;
}

// --- look-up ---

bool find_uri_objects(ProvCtx* prov, const char* uri_text, CK_OBJECT_CLASS only_class,
                      bool any_class, bool need_some, PinSources& pins,
                      std::vector<FoundObject>& out) noexcept {
    try {
        P11Client* client = p11_client(prov);
        if (client == nullptr) {
            GOSTCSP_RAISE(prov, Reason::out_of_memory);
            return false;
        }
        std::unique_ptr<P11KitUri, UriFree> uri(p11_kit_uri_new());
        if (!uri) {
            GOSTCSP_RAISE(prov, Reason::out_of_memory);
            return false;
        }
        const int pr = p11_kit_uri_parse(uri_text, P11_KIT_URI_FOR_ANY, uri.get());
        if (pr != P11_KIT_URI_OK) {
            GOSTCSP_RAISE(prov, Reason::bad_uri, "%s: %s", uri_text, p11_kit_uri_message(pr));
            return false;
        }
        if (p11_kit_uri_any_unrecognized(uri.get())) {
            GOSTCSP_RAISE(prov, Reason::bad_uri, "%s: unrecognised attribute", uri_text);
            return false;
        }
        if (const char* v = p11_kit_uri_get_pin_value(uri.get())) pins.uri_pin_value = v;
        if (const char* s = p11_kit_uri_get_pin_source(uri.get())) pins.uri_pin_source = s;

        std::string what;
        const CK_RV lrv = client->ensure_loaded(what);
        if (lrv != CKR_OK) {
            GOSTCSP_RAISE(prov, Reason::token_module, "%s (%s)", what.c_str(),
                          ckr_name(lrv) ? ckr_name(lrv) : "error");
            return false;
        }
        // RFC 7512 module-path: load that module only when the configuration allows it.
        if (const char* mpath = p11_kit_uri_get_module_path(uri.get());
            mpath != nullptr && !client->is_loaded(mpath)) {
            if (!client->allow_uri_modules) {
                GOSTCSP_RAISE(prov, Reason::token_module,
                              "%s names module-path=%s, which is not loaded (loaded: %s); set "
                              "pkcs11-allow-uri-module = yes in gostcsp's openssl.cnf section "
                              "to let URIs load modules (docs/openssl.md)",
                              uri_text, mpath, client->loaded_description().c_str());
                return false;
            }
            const CK_RV mrv = client->load_uri_module(mpath, what);
            if (mrv != CKR_OK) {
                GOSTCSP_RAISE(prov, Reason::token_module, "%s: %s (%s)", uri_text, what.c_str(),
                              ckr_name(mrv) ? ckr_name(mrv) : "error");
                return false;
            }
        }
        const auto tokens = client->tokens_matching(uri.get());
        if (tokens.empty()) {
            std::string skipped;
            for (const auto& s : client->skipped())
                skipped += (skipped.empty() ? "" : "; ") + s.name + ": " + s.reason;
            if (!skipped.empty()) skipped = " (skipped " + skipped + ")";
            GOSTCSP_RAISE(prov, Reason::token_not_found,
                          "no token with GOST R 34.10-2012 mechanisms matches %s%s", uri_text,
                          skipped.c_str());
            return false;
        }

        CK_ULONG n_attrs = 0;
        CK_ATTRIBUTE* attrs = p11_kit_uri_get_attributes(uri.get(), &n_attrs);
        std::vector<CK_ATTRIBUTE> tmpl(attrs, attrs + n_attrs);
        bool has_class = false;
        CK_OBJECT_CLASS uri_class = 0;
        for (const auto& a : tmpl)
            if (a.type == CKA_CLASS && a.ulValueLen == sizeof(CK_OBJECT_CLASS)) {
                has_class = true;
                std::memcpy(&uri_class, a.pValue, sizeof uri_class);
            }
        CK_OBJECT_CLASS want = only_class;
        if (!has_class && !any_class) tmpl.push_back({CKA_CLASS, &want, sizeof want});
        const bool private_wanted =
            has_class ? uri_class == CKO_PRIVATE_KEY : (any_class || only_class == CKO_PRIVATE_KEY);

        // Tokens that cannot hold the object (not initialised, no user PIN for a private key) or
        // cannot be opened are skipped, and named in the error if nothing matches; a spare
        // uninitialised slot must not hide the token that has the key.
        std::string searched, skipped;
        auto skip = [&](const Token& t, const std::string& why) {
            skipped += (skipped.empty() ? "" : "; ") + std::string("token \"") + t.label() +
                       "\" (slot " + std::to_string(t.slot()) + "): " + why;
        };
        for (const auto& t : tokens) {
            const CK_FLAGS flags = t->current_flags();
            if ((flags & CKF_TOKEN_INITIALIZED) == 0) {
                skip(*t, "not initialised");
                continue;
            }
            if (private_wanted && (flags & CKF_LOGIN_REQUIRED) != 0 &&
                (flags & CKF_USER_PIN_INITIALIZED) == 0) {
                skip(*t, "user PIN not initialised");
                continue;
            }
            CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
            if (const CK_RV orv = t->acquire(h); orv != CKR_OK) {
                skip(*t,
                     std::string("C_OpenSession: ") + (ckr_name(orv) ? ckr_name(orv) : "error"));
                continue;
            }
            SessionLease lease(t, h);
            if (private_wanted && !ensure_login(prov, *t, h, pins)) return false;
            std::vector<CK_OBJECT_HANDLE> handles;
            const CK_RV rv = find_objects(t->functions(), h, tmpl.data(),
                                          static_cast<CK_ULONG>(tmpl.size()), handles);
            if (rv != CKR_OK) {
                lease.mark_broken();
                skip(*t, std::string("C_FindObjects: ") + (ckr_name(rv) ? ckr_name(rv) : "error"));
                continue;
            }
            searched += (searched.empty() ? "" : ", ") + std::string("\"") + t->label() + "\"";
            for (CK_OBJECT_HANDLE o : handles) {
                const auto cls = get_ulong(t->functions(), h, o, CKA_CLASS);
                if (!cls) continue;
                if (*cls == CKO_PRIVATE_KEY || *cls == CKO_PUBLIC_KEY) {
                    if (!kind_of(t->functions(), h, o)) continue;  // not a GOST key
                } else if (*cls == CKO_CERTIFICATE) {
                    const auto ct = get_ulong(t->functions(), h, o, CKA_CERTIFICATE_TYPE);
                    if (!ct || *ct != CKC_X_509) continue;
                } else {
                    continue;
                }
                out.push_back({t, *cls, o});
            }
        }
        if (out.empty() && need_some) {
            const char* what_kind = has_class   ? (uri_class == CKO_PRIVATE_KEY   ? "private key"
                                                   : uri_class == CKO_PUBLIC_KEY  ? "public key"
                                                   : uri_class == CKO_CERTIFICATE ? "certificate"
                                                                                  : "object")
                                    : any_class ? "object"
                                    : only_class == CKO_PRIVATE_KEY ? "private key"
                                    : only_class == CKO_PUBLIC_KEY  ? "public key"
                                    : only_class == CKO_CERTIFICATE ? "certificate"
                                                                    : "object";
            if (!skipped.empty()) skipped = " (skipped " + skipped + ")";
            GOSTCSP_RAISE(prov, Reason::token_key_not_found, "no GOST %s matches %s on %s%s%s",
                          what_kind, uri_text, searched.empty() ? "any token" : "token ",
                          searched.c_str(), skipped.c_str());
            return false;
        }
        return true;
    } catch (...) {
        GOSTCSP_RAISE(prov, Reason::out_of_memory);
        return false;
    }
}

GostKey* token_private_key(ProvCtx* prov, const FoundObject& obj, const char* uri) noexcept {
    try {
        CK_FUNCTION_LIST* fl = obj.token->functions();
        SessionLease lease;
        if (!lease_session(prov, obj.token, lease)) return nullptr;
        const CK_SESSION_HANDLE h = lease.get();
        const auto kind = kind_of(fl, h, obj.handle);
        if (!kind) {
            GOSTCSP_RAISE(prov, Reason::wrong_key_type, "not a GOST R 34.10-2012 key: %s", uri);
            return nullptr;
        }
        const auto params = params_of(fl, h, obj.handle, *kind);
        if (!params) {
            GOSTCSP_RAISE(prov, Reason::unknown_param_set, "token key %s", uri);
            return nullptr;
        }
        auto tk = std::make_shared<TokenKey>();
        tk->token = obj.token;
        tk->kind = *kind;
        tk->id = get_attr(fl, h, obj.handle, CKA_ID).value_or(Bytes{});
        const Bytes label = get_attr(fl, h, obj.handle, CKA_LABEL).value_or(Bytes{});
        tk->label.assign(label.begin(), label.end());
        tk->uri = uri;
        tk->handle = obj.handle;
        tk->handle_generation = obj.token->generation();

        // The public half: the public-key object with the same CKA_ID (or label), else a
        // certificate with that CKA_ID.
        const std::size_t want = 2 * (static_cast<unsigned>(*kind) / 8);
        std::optional<Bytes> point;
        CK_OBJECT_CLASS pub_cls = CKO_PUBLIC_KEY;
        std::vector<CK_ATTRIBUTE> t{{CKA_CLASS, &pub_cls, sizeof pub_cls}};
        if (!tk->id.empty())
            t.push_back({CKA_ID, tk->id.data(), tk->id.size()});
        else if (!tk->label.empty())
            t.push_back({CKA_LABEL, tk->label.data(), tk->label.size()});
        std::vector<CK_OBJECT_HANDLE> found;
        if (t.size() > 1 &&
            find_objects(fl, h, t.data(), static_cast<CK_ULONG>(t.size()), found, 1) == CKR_OK &&
            !found.empty()) {
            if (const auto v = get_attr(fl, h, found.front(), CKA_VALUE)) {
                const auto s = unwrap_point(*v, want);
                if (!s.empty()) point = Bytes(s.begin(), s.end());
            }
        }
        if (!point && !tk->id.empty()) {
            CK_OBJECT_CLASS cert_cls = CKO_CERTIFICATE;
            CK_ATTRIBUTE ct[] = {{CKA_CLASS, &cert_cls, sizeof cert_cls},
                                 {CKA_ID, tk->id.data(), tk->id.size()}};
            found.clear();
            if (find_objects(fl, h, ct, 2, found, 1) == CKR_OK && !found.empty())
                if (const auto der = get_attr(fl, h, found.front(), CKA_VALUE))
                    point = point_from_cert(*der, want);
        }
        std::unique_ptr<GostKey> key(make<GostKey>(prov, *kind));
        if (!key) {
            GOSTCSP_RAISE(prov, Reason::out_of_memory);
            return nullptr;
        }
        key->params = *params;
        key->has_params = true;
        if (point) {
            const auto st = core::PublicKey::from_le_xy(params->set, *point, key->pub);
            if (!core::ok(st)) {
                GOSTCSP_RAISE_STATUS(prov, st);
                return nullptr;
            }
            key->has_public = true;
        }
        key->has_private = true;  // the scalar stays on the token; `token` says where
        key->token = std::move(tk);
        return key.release();
    } catch (...) {
        GOSTCSP_RAISE(prov, Reason::out_of_memory);
        return nullptr;
    }
}

GostKey* token_public_key(ProvCtx* prov, const FoundObject& obj) noexcept {
    try {
        CK_FUNCTION_LIST* fl = obj.token->functions();
        SessionLease lease;
        if (!lease_session(prov, obj.token, lease)) return nullptr;
        const CK_SESSION_HANDLE h = lease.get();
        const auto kind = kind_of(fl, h, obj.handle);
        const auto params = kind ? params_of(fl, h, obj.handle, *kind) : std::nullopt;
        const auto value = get_attr(fl, h, obj.handle, CKA_VALUE);
        if (!kind || !params || !value) {
            GOSTCSP_RAISE(prov, Reason::invalid_public_key, "unreadable GOST public key object");
            return nullptr;
        }
        const auto s = unwrap_point(*value, 2 * (static_cast<unsigned>(*kind) / 8));
        std::unique_ptr<GostKey> key(make<GostKey>(prov, *kind));
        if (!key) return nullptr;
        key->params = *params;
        key->has_params = true;
        const auto st = core::PublicKey::from_le_xy(params->set, s, key->pub);
        if (!core::ok(st)) {
            GOSTCSP_RAISE_STATUS(prov, st);
            return nullptr;
        }
        key->has_public = true;
        return key.release();
    } catch (...) {
        GOSTCSP_RAISE(prov, Reason::out_of_memory);
        return nullptr;
    }
}

bool token_certificate_der(ProvCtx* prov, const FoundObject& obj, Bytes& der) noexcept {
    try {
        SessionLease lease;
        if (!lease_session(prov, obj.token, lease)) return false;
        const CK_SESSION_HANDLE h = lease.get();
        auto v = get_attr(obj.token->functions(), h, obj.handle, CKA_VALUE);
        if (!v || v->empty()) return false;
        der = std::move(*v);
        return true;
    } catch (...) {
        return false;
    }
}

// --- operations ---

bool token_has_hash_and_sign(const TokenKey& key) noexcept {
    const auto& m = key.token->mechanisms();
    return key.kind == KeyKind::k256 ? m.hash256 : m.hash512;
}

bool token_sign_digest(ProvCtx* prov, const TokenKey& key, std::span<const std::uint8_t> digest,
                       std::span<std::uint8_t> sig) noexcept {
    try {
        const auto& m = key.token->mechanisms();
        if (!(key.kind == KeyKind::k256 ? m.raw256 : m.raw512)) {
            GOSTCSP_RAISE(prov, Reason::token_error,
                          "token \"%s\" offers no raw GOST R 34.10-2012 signature (%s) for a "
                          "precomputed digest; sign the message instead (hash-and-sign)",
                          key.token->label().c_str(),
                          key.kind == KeyKind::k256 ? "CKM_GOSTR3410" : "CKM_GOSTR3410_512");
            return false;
        }
        CK_MECHANISM mech{key.kind == KeyKind::k256 ? CKM_GOSTR3410 : ckm_gostr3410_512, nullptr,
                          0};
        CK_FUNCTION_LIST* fl = key.token->functions();
        const CK_RV rv = run_on_key(key, [&](CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o) {
            CK_RV r = fl->C_SignInit(h, &mech, o);
            if (r != CKR_OK) return r;
            CK_ULONG len = static_cast<CK_ULONG>(sig.size());
            r = fl->C_Sign(h, const_cast<std::uint8_t*>(digest.data()),
                           static_cast<CK_ULONG>(digest.size()), sig.data(), &len);
            if (r == CKR_OK && len != sig.size()) r = CKR_GENERAL_ERROR;
            return r;
        });
        if (rv != CKR_OK) {
            GOSTCSP_RAISE_CKR(prov, rv, key.token.get(), "C_Sign");
            return false;
        }
        return true;
    } catch (...) {
        GOSTCSP_RAISE(prov, Reason::out_of_memory);
        return false;
    }
}

std::shared_ptr<TokenSignStream> TokenSignStream::start(
    ProvCtx* prov, std::shared_ptr<const TokenKey> key) noexcept {
    try {
        std::shared_ptr<TokenSignStream> s(new TokenSignStream);
        s->prov_ = prov;
        s->key_ = key;
        CK_MECHANISM mech{key->kind == KeyKind::k256 ? ckm_gostr3410_with_3411_12_256
                                                     : ckm_gostr3410_with_3411_12_512,
                          nullptr, 0};
        CK_FUNCTION_LIST* fl = key->token->functions();
        const CK_RV rv = run_on_key(
            *key,
            [&](CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o) { return fl->C_SignInit(h, &mech, o); },
            &s->lease_);
        if (rv != CKR_OK) {
            GOSTCSP_RAISE_CKR(prov, rv, key->token.get(), "C_SignInit");
            return nullptr;
        }
        s->active_ = true;
        return s;
    } catch (...) {
        GOSTCSP_RAISE(prov, Reason::out_of_memory);
        return nullptr;
    }
}

bool TokenSignStream::update(std::span<const std::uint8_t> data) noexcept {
    std::lock_guard<std::mutex> g(mu_);
    if (!active_) return false;
    CK_FUNCTION_LIST* fl = key_->token->functions();
    // Chunks of at most 1 MiB keep CK_ULONG lengths and a token's buffers in range.
    while (!data.empty()) {
        const std::size_t n = data.size() < (1u << 20) ? data.size() : (1u << 20);
        const CK_RV rv = fl->C_SignUpdate(lease_.get(), const_cast<std::uint8_t*>(data.data()),
                                          static_cast<CK_ULONG>(n));
        if (rv != CKR_OK) {
            active_ = false;
            lease_.mark_broken();
            GOSTCSP_RAISE_CKR(prov_, rv, key_->token.get(), "C_SignUpdate");
            return false;
        }
        data = data.subspan(n);
    }
    return true;
}

bool TokenSignStream::final(std::span<std::uint8_t> sig) noexcept {
    std::lock_guard<std::mutex> g(mu_);
    if (!active_) {
        GOSTCSP_RAISE(prov_, Reason::operation_not_initialised);
        return false;
    }
    CK_ULONG len = static_cast<CK_ULONG>(sig.size());
    const CK_RV rv = key_->token->functions()->C_SignFinal(lease_.get(), sig.data(), &len);
    active_ = false;
    if (rv != CKR_OK || len != sig.size()) {
        lease_.mark_broken();
        GOSTCSP_RAISE_CKR(prov_, rv == CKR_OK ? CKR_GENERAL_ERROR : rv, key_->token.get(),
                          "C_SignFinal");
        return false;
    }
    lease_.reset();
    return true;
}

TokenSignStream::~TokenSignStream() {
    // An abandoned operation would leave the session busy: close it instead of pooling it.
    if (active_) lease_.mark_broken();
}

bool token_vko(ProvCtx* prov, const TokenKey& key, const core::PublicKey& peer,
               std::span<const std::uint8_t> ukm, std::span<std::uint8_t> out) noexcept {
    try {
        if (!key.token->mechanisms().derive) {
            GOSTCSP_RAISE(prov, Reason::token_error,
                          "token \"%s\" offers no CKM_GOSTR3410_12_DERIVE (VKO)",
                          key.token->label().c_str());
            return false;
        }
        const auto xy = peer.le_xy();
        Bytes pub(xy.begin(), xy.end());
        Bytes ukm_copy(ukm.begin(), ukm.end());
        GostDeriveParams p{CKD_NULL, pub.data(), static_cast<CK_ULONG>(pub.size()), ukm_copy.data(),
                           static_cast<CK_ULONG>(ukm_copy.size())};
        CK_MECHANISM mech{ckm_gostr3410_12_derive, &p, sizeof p};
        CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
        CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
        CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
        CK_ULONG vlen = static_cast<CK_ULONG>(out.size());
        CK_ATTRIBUTE tmpl[] = {
            {CKA_CLASS, &cls, sizeof cls},       {CKA_KEY_TYPE, &kt, sizeof kt},
            {CKA_TOKEN, &no, sizeof no},         {CKA_SENSITIVE, &no, sizeof no},
            {CKA_EXTRACTABLE, &yes, sizeof yes}, {CKA_VALUE_LEN, &vlen, sizeof vlen},
        };
        CK_FUNCTION_LIST* fl = key.token->functions();
        const CK_RV rv = run_on_key(key, [&](CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o) {
            CK_OBJECT_HANDLE secret = CK_INVALID_HANDLE;
            CK_RV r = fl->C_DeriveKey(h, &mech, o, tmpl, 6, &secret);
            if (r != CKR_OK) return r;
            CK_ATTRIBUTE v{CKA_VALUE, out.data(), static_cast<CK_ULONG>(out.size())};
            r = fl->C_GetAttributeValue(h, secret, &v, 1);
            if (r == CKR_OK && v.ulValueLen != out.size()) r = CKR_GENERAL_ERROR;
            (void)fl->C_DestroyObject(h, secret);
            return r;
        });
        if (rv != CKR_OK) {
            OPENSSL_cleanse(out.data(), out.size());
            GOSTCSP_RAISE_CKR(prov, rv, key.token.get(), "C_DeriveKey (VKO)");
            return false;
        }
        return true;
    } catch (...) {
        GOSTCSP_RAISE(prov, Reason::out_of_memory);
        return false;
    }
}

}  // namespace gostcsp::prov
