// SPDX-License-Identifier: Apache-2.0
// KEYMGMT gost2012_256 / gost2012_512: generation, import/export, match, has, validate, params.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include <cstring>
#include <memory>

#include "errors.hpp"
#include "key.hpp"
#include "prov.hpp"

namespace gostcsp::prov {

namespace {

constexpr const char* param_paramset = "paramset";  // gost-engine's pkeyopt name
constexpr int keypair = OSSL_KEYMGMT_SELECT_KEYPAIR;

struct BnFree {
    void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); }
};
struct BldFree {
    void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};

// The object short name of a parameter-set OID ("id-tc26-gost-3410-2012-256-paramSetA"), or the
// dotted OID itself when OpenSSL has no name for it.
const char* group_name(const ParamChoice& c) noexcept {
    const int nid = OBJ_txt2nid(c.oid);
    const char* sn = nid != NID_undef ? OBJ_nid2sn(nid) : nullptr;
    return sn != nullptr ? sn : c.oid;
}

bool read_param_set(ProvCtx* prov, KeyKind kind, const OSSL_PARAM params[], ParamChoice& out,
                    bool& found) noexcept {
    found = false;
    for (const char* name : {param_paramset, OSSL_PKEY_PARAM_GROUP_NAME}) {
        const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, name);
        if (p == nullptr) continue;
        const char* value = nullptr;
        if (!OSSL_PARAM_get_utf8_string_ptr(p, &value) || value == nullptr) {
            GOSTCSP_RAISE(prov, Reason::bad_parameter, "%s must be a string", name);
            return false;
        }
        const auto choice = parse_param_set(kind, value);
        if (!choice) {
            GOSTCSP_RAISE(prov, Reason::unknown_param_set, "%s for %s: \"%s\"", name,
                          key_type_name(kind), value);
            return false;
        }
        out = *choice;
        found = true;
    }
    return true;
}

bool set_public_from_bytes(GostKey& key, const OSSL_PARAM* p) noexcept {
    const void* data = nullptr;
    std::size_t len = 0;
    if (!OSSL_PARAM_get_octet_string_ptr(p, &data, &len)) {
        GOSTCSP_RAISE(key.prov, Reason::bad_parameter, "public key must be an octet string");
        return false;
    }
    core::PublicKey pub;
    const auto st = core::PublicKey::from_le_xy(key.params.set,
                                                {static_cast<const std::uint8_t*>(data), len}, pub);
    if (!core::ok(st)) {
        GOSTCSP_RAISE_STATUS(key.prov, st);
        return false;
    }
    key.pub = pub;
    key.has_public = true;
    return true;
}

template <KeyKind K>
void* km_new(void* provctx) noexcept {
    return make<GostKey>(static_cast<ProvCtx*>(provctx), K);
}

void km_free(void* vkey) noexcept {
    delete static_cast<GostKey*>(vkey);
}

void* km_dup(const void* vkey, int selection) noexcept {
    const auto* src = static_cast<const GostKey*>(vkey);
    GostKey* key = make<GostKey>(src->prov, src->kind);
    if (key == nullptr) return nullptr;
    key->has_params = src->has_params;
    key->params = src->params;
    if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0 && src->has_public) {
        key->pub = src->pub;
        key->has_public = true;
    }
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 && src->has_private) {
        key->priv = src->priv;
        key->token = src->token;  // a token key: the duplicate refers to the same object
        key->has_private = true;
    }
    return key;
}

void* km_load(const void* reference, size_t reference_sz) noexcept {
    if (reference == nullptr || reference_sz != sizeof(GostKey*)) return nullptr;
    GostKey** slot = static_cast<GostKey**>(const_cast<void*>(reference));
    GostKey* key = *slot;
    *slot = nullptr;  // ownership moves to the caller
    return key;
}

int km_has(const void* vkey, int selection) noexcept {
    const auto* key = static_cast<const GostKey*>(vkey);
    if (key == nullptr) return 0;
    bool ok = true;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0) ok = ok && key->has_private;
    if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0) ok = ok && key->has_public;
    if ((selection & OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS) != 0) ok = ok && key->has_params;
    return ok ? 1 : 0;
}

int km_match(const void* va, const void* vb, int selection) noexcept {
    const auto* a = static_cast<const GostKey*>(va);
    const auto* b = static_cast<const GostKey*>(vb);
    if (a->kind != b->kind) return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_ALL_PARAMETERS) != 0) {
        if (a->has_params != b->has_params) return 0;
        if (a->has_params && a->params.set != b->params.set) return 0;
    }
    if ((selection & keypair) != 0) {
        if (a->has_params && b->has_params && a->params.set != b->params.set) return 0;
        if (a->has_public && b->has_public)
            return core::constant_time_equal(a->pub.le_xy(), b->pub.le_xy()) ? 1 : 0;
        if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 && a->has_scalar() &&
            b->has_scalar())
            return core::constant_time_equal(a->priv.le_bytes(), b->priv.le_bytes()) ? 1 : 0;
        return 0;
    }
    return 1;
}

int km_validate(const void* vkey, int selection, int) noexcept {
    const auto* key = static_cast<const GostKey*>(vkey);
    if (!km_has(vkey, selection)) return 0;
    // Public keys were validated (curve, subgroup) on entry; a pair must belong together.
    if ((selection & keypair) == keypair) {
        if (key->token) return key->has_public ? 1 : 0;  // the token holds the scalar
        core::PublicKey derived;
        if (!core::ok(key->priv.derive_public(derived))) return 0;
        return core::constant_time_equal(derived.le_xy(), key->pub.le_xy()) ? 1 : 0;
    }
    return 1;
}

template <KeyKind K>
int km_get_params(void* vkey, OSSL_PARAM params[]) noexcept {
    auto* key = static_cast<GostKey*>(vkey);
    const unsigned bits = static_cast<unsigned>(K);
    OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_BITS);
    if (p != nullptr && !OSSL_PARAM_set_int(p, static_cast<int>(bits))) return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_SECURITY_BITS);
    if (p != nullptr && !OSSL_PARAM_set_int(p, static_cast<int>(bits / 2))) return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MAX_SIZE);
    if (p != nullptr && !OSSL_PARAM_set_int(p, static_cast<int>(bits / 4))) return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST);
    if (p != nullptr && !OSSL_PARAM_set_utf8_string(p, digest_name(K))) return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MANDATORY_DIGEST);
    if (p != nullptr && !OSSL_PARAM_set_utf8_string(p, digest_name(K))) return 0;
    if (key->has_params) {
        p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_GROUP_NAME);
        if (p != nullptr && !OSSL_PARAM_set_utf8_string(p, group_name(key->params))) return 0;
        p = OSSL_PARAM_locate(params, param_paramset);
        if (p != nullptr && !OSSL_PARAM_set_utf8_string(p, key->params.oid)) return 0;
    }
    if (key->has_public) {
        const auto xy = key->pub.le_xy();
        for (const char* name : {OSSL_PKEY_PARAM_PUB_KEY, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY}) {
            p = OSSL_PARAM_locate(params, name);
            if (p != nullptr && !OSSL_PARAM_set_octet_string(p, xy.data(), xy.size())) return 0;
        }
    }
    return 1;
}

const OSSL_PARAM* km_gettable_params(void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, nullptr),
        OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, nullptr),
        OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, nullptr),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, nullptr, 0),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_MANDATORY_DIGEST, nullptr, 0),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, nullptr, 0),
        OSSL_PARAM_utf8_string(param_paramset, nullptr, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0),
        OSSL_PARAM_END,
    };
    return table;
}

int km_set_params(void* vkey, const OSSL_PARAM params[]) noexcept {
    auto* key = static_cast<GostKey*>(vkey);
    const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY);
    if (p == nullptr) return 1;
    if (!key->has_params) {
        GOSTCSP_RAISE(key->prov, Reason::unknown_param_set, "set the parameter set first");
        return 0;
    }
    return set_public_from_bytes(*key, p) ? 1 : 0;
}

const OSSL_PARAM* km_settable_params(void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0),
        OSSL_PARAM_END,
    };
    return table;
}

int km_import(void* vkey, int selection, const OSSL_PARAM params[]) noexcept {
    auto* key = static_cast<GostKey*>(vkey);
    if (key == nullptr) return 0;
    ParamChoice choice;
    bool found = false;
    if (!read_param_set(key->prov, key->kind, params, choice, found)) return 0;
    if (!found) {
        if (!key->has_params) {
            GOSTCSP_RAISE(key->prov, Reason::unknown_param_set, "no parameter set given");
            return 0;
        }
    } else {
        key->params = choice;
        key->has_params = true;
    }
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0) {
        const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PRIV_KEY);
        if (p != nullptr) {
            BIGNUM* raw = nullptr;
            if (!OSSL_PARAM_get_BN(p, &raw)) {
                GOSTCSP_RAISE(key->prov, Reason::bad_parameter, "priv must be an integer");
                return 0;
            }
            std::unique_ptr<BIGNUM, BnFree> bn(raw);
            core::SecretBytes<core::max_field_bytes> d;
            const int n = static_cast<int>(key->field_bytes());
            if (BN_bn2lebinpad(bn.get(), d.data(), n) != n) {
                GOSTCSP_RAISE(key->prov, Reason::invalid_private_key);
                return 0;
            }
            auto st = core::PrivateKey::from_le_bytes(key->params.set,
                                                      {d.data(), key->field_bytes()}, key->priv);
            if (core::ok(st)) st = key->priv.derive_public(key->pub);
            if (!core::ok(st)) {
                GOSTCSP_RAISE_STATUS(key->prov, st);
                return 0;
            }
            key->has_private = key->has_public = true;
        }
    }
    if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0 && !key->has_private) {
        const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PUB_KEY);
        if (p == nullptr) p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY);
        if (p != nullptr && !set_public_from_bytes(*key, p)) return 0;
    }
    return 1;
}

const OSSL_PARAM* km_import_types(int) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, nullptr, 0),
        OSSL_PARAM_utf8_string(param_paramset, nullptr, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_PRIV_KEY, nullptr, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0),
        OSSL_PARAM_END,
    };
    return table;
}

int km_export(void* vkey, int selection, OSSL_CALLBACK* cb, void* cbarg) noexcept {
    auto* key = static_cast<GostKey*>(vkey);
    if (key == nullptr || !key->has_params) return 0;
    std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
    if (!bld) return 0;
    // Domain parameters always travel: a bare point or scalar means nothing without its curve.
    if (!OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                         group_name(key->params), 0) ||
        !OSSL_PARAM_BLD_push_utf8_string(bld.get(), param_paramset, key->params.oid, 0))
        return 0;
    std::unique_ptr<BIGNUM, BnFree> bn;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 && key->has_scalar()) {
        const auto d = key->priv.le_bytes();
        bn.reset(BN_secure_new());
        if (!bn || BN_lebin2bn(d.data(), static_cast<int>(d.size()), bn.get()) == nullptr ||
            !OSSL_PARAM_BLD_push_BN_pad(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, bn.get(), d.size()))
            return 0;
    }
    if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0 && key->has_public) {
        const auto xy = key->pub.le_xy();
        if (!OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, xy.data(),
                                              xy.size()))
            return 0;
    }
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
    if (!params) return 0;
    return cb(params.get(), cbarg);
}

const OSSL_PARAM* km_export_types(int selection) noexcept {
    return km_import_types(selection);
}

template <KeyKind K>
const char* km_query_operation_name(int) noexcept {
    return key_type_name(K);
}

// --- generation ---

struct GenCtx {
    ProvCtx* prov;
    KeyKind kind;
    int selection;
    ParamChoice params;
};

ParamChoice default_choice(KeyKind kind) noexcept {
    // gostcsp's default when no paramset is given: tc26 256-A / 512-A (RFC 9215 recommendations).
    return canonical_choice(kind == KeyKind::k256 ? core::ParamSet::tc26_256_a
                                                  : core::ParamSet::tc26_512_a);
}

int gen_set_params(void* vgen, const OSSL_PARAM params[]) noexcept {
    auto* gen = static_cast<GenCtx*>(vgen);
    ParamChoice choice;
    bool found = false;
    if (!read_param_set(gen->prov, gen->kind, params, choice, found)) return 0;
    if (found) gen->params = choice;
    return 1;
}

template <KeyKind K>
void* gen_init(void* provctx, int selection, const OSSL_PARAM params[]) noexcept {
    auto* gen =
        make<GenCtx>(GenCtx{static_cast<ProvCtx*>(provctx), K, selection, default_choice(K)});
    if (gen != nullptr && !gen_set_params(gen, params)) {
        delete gen;
        return nullptr;
    }
    return gen;
}

int gen_set_template(void* vgen, void* templ) noexcept {
    auto* gen = static_cast<GenCtx*>(vgen);
    const auto* key = static_cast<const GostKey*>(templ);
    if (key == nullptr || key->kind != gen->kind || !key->has_params) return 0;
    gen->params = key->params;
    return 1;
}

const OSSL_PARAM* gen_settable_params(void*, void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_utf8_string(param_paramset, nullptr, 0),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, nullptr, 0),
        OSSL_PARAM_END,
    };
    return table;
}

void* gen(void* vgen, OSSL_CALLBACK*, void*) noexcept {
    auto* g = static_cast<GenCtx*>(vgen);
    std::unique_ptr<GostKey> key(make<GostKey>(g->prov, g->kind));
    if (!key) {
        GOSTCSP_RAISE(g->prov, Reason::out_of_memory);
        return nullptr;
    }
    key->params = g->params;
    key->has_params = true;
    if ((g->selection & keypair) != 0) {
        auto st = core::PrivateKey::generate(g->params.set, key->priv);
        if (core::ok(st)) st = key->priv.derive_public(key->pub);
        if (!core::ok(st)) {
            GOSTCSP_RAISE_STATUS(g->prov, st);
            return nullptr;
        }
        key->has_private = key->has_public = true;
    }
    return key.release();
}

void gen_cleanup(void* vgen) noexcept {
    delete static_cast<GenCtx*>(vgen);
}

template <KeyKind K>
const OSSL_DISPATCH functions[] = {
    entry<OSSL_FUNC_KEYMGMT_NEW, OSSL_FUNC_keymgmt_new_fn>(&km_new<K>),
    entry<OSSL_FUNC_KEYMGMT_FREE, OSSL_FUNC_keymgmt_free_fn>(&km_free),
    entry<OSSL_FUNC_KEYMGMT_DUP, OSSL_FUNC_keymgmt_dup_fn>(&km_dup),
    entry<OSSL_FUNC_KEYMGMT_LOAD, OSSL_FUNC_keymgmt_load_fn>(&km_load),
    entry<OSSL_FUNC_KEYMGMT_HAS, OSSL_FUNC_keymgmt_has_fn>(&km_has),
    entry<OSSL_FUNC_KEYMGMT_MATCH, OSSL_FUNC_keymgmt_match_fn>(&km_match),
    entry<OSSL_FUNC_KEYMGMT_VALIDATE, OSSL_FUNC_keymgmt_validate_fn>(&km_validate),
    entry<OSSL_FUNC_KEYMGMT_GET_PARAMS, OSSL_FUNC_keymgmt_get_params_fn>(&km_get_params<K>),
    entry<OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, OSSL_FUNC_keymgmt_gettable_params_fn>(
        &km_gettable_params),
    entry<OSSL_FUNC_KEYMGMT_SET_PARAMS, OSSL_FUNC_keymgmt_set_params_fn>(&km_set_params),
    entry<OSSL_FUNC_KEYMGMT_SETTABLE_PARAMS, OSSL_FUNC_keymgmt_settable_params_fn>(
        &km_settable_params),
    entry<OSSL_FUNC_KEYMGMT_IMPORT, OSSL_FUNC_keymgmt_import_fn>(&km_import),
    entry<OSSL_FUNC_KEYMGMT_IMPORT_TYPES, OSSL_FUNC_keymgmt_import_types_fn>(&km_import_types),
    entry<OSSL_FUNC_KEYMGMT_EXPORT, OSSL_FUNC_keymgmt_export_fn>(&km_export),
    entry<OSSL_FUNC_KEYMGMT_EXPORT_TYPES, OSSL_FUNC_keymgmt_export_types_fn>(&km_export_types),
    entry<OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, OSSL_FUNC_keymgmt_query_operation_name_fn>(
        &km_query_operation_name<K>),
    entry<OSSL_FUNC_KEYMGMT_GEN_INIT, OSSL_FUNC_keymgmt_gen_init_fn>(&gen_init<K>),
    entry<OSSL_FUNC_KEYMGMT_GEN_SET_TEMPLATE, OSSL_FUNC_keymgmt_gen_set_template_fn>(
        &gen_set_template),
    entry<OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, OSSL_FUNC_keymgmt_gen_set_params_fn>(&gen_set_params),
    entry<OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS, OSSL_FUNC_keymgmt_gen_settable_params_fn>(
        &gen_settable_params),
    entry<OSSL_FUNC_KEYMGMT_GEN, OSSL_FUNC_keymgmt_gen_fn>(&gen),
    entry<OSSL_FUNC_KEYMGMT_GEN_CLEANUP, OSSL_FUNC_keymgmt_gen_cleanup_fn>(&gen_cleanup),
    dispatch_end,
};

}  // namespace

const OSSL_ALGORITHM keymgmt_algorithms[] = {
    {GOSTCSP_NAMES_256, "provider=gostcsp", functions<KeyKind::k256>,
     "GOST R 34.10-2012 256-bit key"},
    {GOSTCSP_NAMES_512, "provider=gostcsp", functions<KeyKind::k512>,
     "GOST R 34.10-2012 512-bit key"},
    {nullptr, nullptr, nullptr, nullptr},
};

}  // namespace gostcsp::prov
