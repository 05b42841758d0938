// SPDX-License-Identifier: Apache-2.0
// MAC: gost-mac / gost-mac-12 (GOST 28147-89 IMIT with key meshing, RFC 5830 §7 / RFC 4357) and
// magma-mac / kuznyechik-mac (the GOST R 34.13-2015 MAC, OMAC) under gost-engine's names (rows of
// sym_algs.hpp). Params as gost-engine's provider: "key" and "size"; also "paramset" for IMIT.
#include <openssl/core_names.h>
#include <openssl/params.h>

#include <optional>
#include <utility>

#include "errors.hpp"
#include "gostcsp/gost28147.hpp"
#include "gostcsp/kuznyechik.hpp"
#include "gostcsp/magma.hpp"
#include "gostcsp/modes.hpp"
#include "prov.hpp"
#include "sym_algs.hpp"

namespace gostcsp::prov {

namespace {

struct MacCtx {
    MacCtx(ProvCtx* p, const MacAlg& a) noexcept
        : prov(p), alg(&a), size(a.default_size), param_set(a.param_set), g(a.param_set) {}
    MacCtx(const MacCtx&) = delete;
    MacCtx& operator=(const MacCtx&) = delete;

    ProvCtx* prov;
    const MacAlg* alg;
    std::size_t size;
    core::Gost28147ParamSet param_set;
    core::Kuznyechik kz;
    core::Magma mg;
    core::Gost28147 g;
    std::optional<core::Omac> omac;
    std::optional<core::Gost28147Imit> imit;
};

template <std::size_t I>
void* newctx(void* provctx) noexcept {
    return make<MacCtx>(static_cast<ProvCtx*>(provctx), mac_algs[I]);
}

void freectx(void* vctx) noexcept {
    delete static_cast<MacCtx*>(vctx);
}

bool set_key(MacCtx& c, const unsigned char* key, std::size_t len) noexcept {
    if (len != sym_key_bytes) {
        GOSTCSP_RAISE(c.prov, Reason::wrong_length, "key is %zu bytes, %s takes 32", len,
                      c.alg->names);
        return false;
    }
    c.omac.reset();
    c.imit.reset();
    core::Status s = core::Status::ok;
    switch (c.alg->cipher) {
        case SymCipher::kuznyechik:
            s = c.kz.set_key({key, len});
            if (s == core::Status::ok) c.omac.emplace(c.kz);
            break;
        case SymCipher::magma:
            s = c.mg.set_key({key, len});
            if (s == core::Status::ok) c.omac.emplace(c.mg);
            break;
        case SymCipher::gost28147:
            c.g = core::Gost28147(c.param_set);
            s = c.g.set_key({key, len});
            if (s == core::Status::ok) c.imit.emplace(c.g, true);
            break;
    }
    if (s != core::Status::ok) {
        GOSTCSP_RAISE_STATUS(c.prov, s);
        return false;
    }
    return true;
}

int set_ctx_params(void* vctx, const OSSL_PARAM params[]) noexcept;

int init(void* vctx, const unsigned char* key, size_t keylen, const OSSL_PARAM params[]) noexcept {
    auto& c = *static_cast<MacCtx*>(vctx);
    if (!set_ctx_params(&c, params)) return 0;
    if (key != nullptr) return set_key(c, key, keylen) ? 1 : 0;
    if (c.omac) c.omac->reset();
    if (c.imit) c.imit->reset();
    if (!c.omac && !c.imit) {
        GOSTCSP_RAISE(c.prov, Reason::missing_key, "%s needs a 32-byte key", c.alg->names);
        return 0;
    }
    return 1;
}

int update(void* vctx, const unsigned char* in, size_t inl) noexcept {
    auto& c = *static_cast<MacCtx*>(vctx);
    if (!c.omac && !c.imit) {
        GOSTCSP_RAISE(c.prov, Reason::operation_not_initialised);
        return 0;
    }
    if (inl == 0) return 1;
    if (c.omac) c.omac->update({in, inl});
    if (c.imit) c.imit->update({in, inl});
    return 1;
}

int final(void* vctx, unsigned char* out, size_t* outl, size_t outsize) noexcept {
    auto& c = *static_cast<MacCtx*>(vctx);
    if (!c.omac && !c.imit) {
        GOSTCSP_RAISE(c.prov, Reason::operation_not_initialised);
        return 0;
    }
    if (outsize < c.size) {
        GOSTCSP_RAISE(c.prov, Reason::buffer_too_small);
        return 0;
    }
    const core::Status s = c.omac ? c.omac->final({out, c.size}) : c.imit->final({out, c.size});
    if (s != core::Status::ok) {
        GOSTCSP_RAISE_STATUS(c.prov, s);
        return 0;
    }
    *outl = c.size;
    return 1;
}

template <std::size_t I>
int get_params(OSSL_PARAM params[]) noexcept {
    OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_MAC_PARAM_SIZE);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, mac_algs[I].default_size)) return 0;
    p = OSSL_PARAM_locate(params, "keylen");
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, sym_key_bytes)) return 0;
    return 1;
}

const OSSL_PARAM* gettable_params(void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_size_t(OSSL_MAC_PARAM_SIZE, nullptr),
        OSSL_PARAM_size_t("keylen", nullptr),
        OSSL_PARAM_END,
    };
    return table;
}

int get_ctx_params(void* vctx, OSSL_PARAM params[]) noexcept {
    auto& c = *static_cast<MacCtx*>(vctx);
    OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_MAC_PARAM_SIZE);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, c.size)) return 0;
    p = OSSL_PARAM_locate(params, "keylen");
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, sym_key_bytes)) return 0;
    return 1;
}

const OSSL_PARAM* gettable_ctx_params(void*, void*) noexcept {
    return gettable_params(nullptr);
}

int set_ctx_params(void* vctx, const OSSL_PARAM params[]) noexcept {
    auto& c = *static_cast<MacCtx*>(vctx);
    if (params == nullptr) return 1;
    const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_MAC_PARAM_SIZE);
    if (p != nullptr) {
        size_t size = 0;
        if (!OSSL_PARAM_get_size_t(p, &size) || size == 0 || size > c.alg->max_size) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length, "size: 1..%zu bytes", c.alg->max_size);
            return 0;
        }
        c.size = size;
    }
    p = OSSL_PARAM_locate_const(params, "paramset");
    if (p != nullptr) {
        const char* name = nullptr;
        if (c.alg->kind != MacKind::imit || !OSSL_PARAM_get_utf8_string_ptr(p, &name)) {
            GOSTCSP_RAISE(c.prov, Reason::bad_parameter, "paramset");
            return 0;
        }
        auto ps = core::gost28147_param_set_from_name(name);
        if (!ps) ps = core::gost28147_param_set_from_oid(name);
        if (!ps) {
            GOSTCSP_RAISE(c.prov, Reason::unknown_param_set, "%s", name);
            return 0;
        }
        c.param_set = *ps;
    }
    p = OSSL_PARAM_locate_const(params, OSSL_MAC_PARAM_KEY);
    if (p != nullptr) {
        const void* key = nullptr;
        size_t len = 0;
        if (!OSSL_PARAM_get_octet_string_ptr(p, &key, &len)) {
            GOSTCSP_RAISE(c.prov, Reason::bad_parameter, "key");
            return 0;
        }
        if (!set_key(c, static_cast<const unsigned char*>(key), len)) return 0;
    }
    return 1;
}

const OSSL_PARAM* settable_ctx_params(void*, void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_size_t(OSSL_MAC_PARAM_SIZE, nullptr),
        OSSL_PARAM_octet_string(OSSL_MAC_PARAM_KEY, nullptr, 0),
        OSSL_PARAM_utf8_string("paramset", nullptr, 0),
        OSSL_PARAM_END,
    };
    return table;
}

template <std::size_t I>
const OSSL_DISPATCH functions[] = {
    entry<OSSL_FUNC_MAC_NEWCTX, OSSL_FUNC_mac_newctx_fn>(&newctx<I>),
    entry<OSSL_FUNC_MAC_FREECTX, OSSL_FUNC_mac_freectx_fn>(&freectx),
    entry<OSSL_FUNC_MAC_INIT, OSSL_FUNC_mac_init_fn>(&init),
    entry<OSSL_FUNC_MAC_UPDATE, OSSL_FUNC_mac_update_fn>(&update),
    entry<OSSL_FUNC_MAC_FINAL, OSSL_FUNC_mac_final_fn>(&final),
    entry<OSSL_FUNC_MAC_GET_PARAMS, OSSL_FUNC_mac_get_params_fn>(&get_params<I>),
    entry<OSSL_FUNC_MAC_GETTABLE_PARAMS, OSSL_FUNC_mac_gettable_params_fn>(&gettable_params),
    entry<OSSL_FUNC_MAC_GET_CTX_PARAMS, OSSL_FUNC_mac_get_ctx_params_fn>(&get_ctx_params),
    entry<OSSL_FUNC_MAC_GETTABLE_CTX_PARAMS, OSSL_FUNC_mac_gettable_ctx_params_fn>(
        &gettable_ctx_params),
    entry<OSSL_FUNC_MAC_SET_CTX_PARAMS, OSSL_FUNC_mac_set_ctx_params_fn>(&set_ctx_params),
    entry<OSSL_FUNC_MAC_SETTABLE_CTX_PARAMS, OSSL_FUNC_mac_settable_ctx_params_fn>(
        &settable_ctx_params),
    dispatch_end,
};

template <std::size_t... I>
constexpr auto make_table(std::index_sequence<I...>) noexcept {
    struct Table {
        OSSL_ALGORITHM rows[sizeof...(I) + 1];
    };
    return Table{{{mac_algs[I].names, "provider=gostcsp", functions<I>, mac_algs[I].description}...,
                  {nullptr, nullptr, nullptr, nullptr}}};
}

constexpr auto table = make_table(std::make_index_sequence<sizeof mac_algs / sizeof mac_algs[0]>{});

}  // namespace

extern const OSSL_ALGORITHM* const mac_algorithms = table.rows;

}  // namespace gostcsp::prov
