// SPDX-License-Identifier: Apache-2.0
// The secret key type table and the GOST 28147-89 parameter-set attribute.
#include "secret_keys.hpp"

#include <array>

#include "gost_oid.hpp"

namespace gostcsp::p11 {
namespace {

constexpr std::size_t any_len = 1u << 16;  // generic secrets: any non-empty value up to 64 KiB

constexpr std::array secret_types = {
    SecretKeyType{CKK_GENERIC_SECRET, "CKK_GENERIC_SECRET", 1, any_len, SymAlg::none, 32},
    SecretKeyType{CKK_GOSTR3411, "CKK_GOSTR3411", 1, any_len, SymAlg::none, 32},
    SecretKeyType{CKK_GOST28147, "CKK_GOST28147", 32, 32, SymAlg::gost28147, 32},
    SecretKeyType{CKK_KUZNECHIK, "CKK_KUZNECHIK", 32, 32, SymAlg::kuznyechik, 32},
    SecretKeyType{CKK_MAGMA, "CKK_MAGMA", 32, 32, SymAlg::magma, 32},
    SecretKeyType{CKK_KUZNECHIK_TWIN_KEY, "CKK_KUZNECHIK_TWIN_KEY", 64, 64, SymAlg::none, 64},
    SecretKeyType{CKK_MAGMA_TWIN_KEY, "CKK_MAGMA_TWIN_KEY", 64, 64, SymAlg::none, 64},
};

constexpr std::string_view default_28147_oid = "1.2.643.2.2.31.1";  // CryptoPro-A

std::optional<core::Gost28147ParamSet> params_from_der(const Bytes& der) {
    auto dotted = der_to_oid(der.data(), der.size());
    if (!dotted) return std::nullopt;
    return core::gost28147_param_set_from_oid(*dotted);
}

}  // namespace

const SecretKeyType* find_secret_key_type(CK_KEY_TYPE type) noexcept {
    for (const auto& t : secret_types)
        if (t.type == type) return &t;
    return nullptr;
}

void complete_secret_attrs(AttrMap& attrs, CK_KEY_TYPE type, std::size_t len, CK_RV bad_len_rv) {
    const SecretKeyType* t = find_secret_key_type(type);
    check(t != nullptr, CKR_ATTRIBUTE_VALUE_INVALID);
    check(len >= t->min_bytes && len <= t->max_bytes, bad_len_rv);
    auto p = attrs.find(CKA_GOST28147_PARAMS);
    if (type != CKK_GOST28147) {
        check(p == attrs.end(), CKR_TEMPLATE_INCONSISTENT);
        return;
    }
    if (p == attrs.end()) {
        attrs[CKA_GOST28147_PARAMS] = oid_to_der(default_28147_oid);
        return;
    }
    check(params_from_der(p->second).has_value(), CKR_ATTRIBUTE_VALUE_INVALID);
}

core::Gost28147ParamSet gost28147_params_of(const keystore::Object& o) {
    for (const auto& a : o.attributes) {
        if (a.type != CKA_GOST28147_PARAMS) continue;
        auto set = params_from_der(Bytes(a.value.begin(), a.value.end()));
        check(set.has_value(), CKR_KEY_TYPE_INCONSISTENT);
        return *set;
    }
    return core::Gost28147ParamSet::cryptopro_a;
}

keystore::SecretOrigin origin_from(const keystore::Object& base) {
    return {base.always_sensitive, base.never_extractable};
}

}  // namespace gostcsp::p11
