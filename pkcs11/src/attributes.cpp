// SPDX-License-Identifier: Apache-2.0
// The attribute table (PKCS#11 v2.40 §4, TC26 GOST key attributes) and template processing.
#include "attributes.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace gostcsp::p11 {
namespace {

constexpr unsigned cu = af_create | af_generate | af_modify;  // common user-settable
constexpr unsigned cg = af_create | af_generate;              // fixed once the object exists
constexpr unsigned key_cls = cls_keys;
constexpr unsigned asym = cls_public | cls_private;
constexpr unsigned priv_sec = cls_private | cls_secret;
constexpr unsigned pub_sec = cls_public | cls_secret;

constexpr std::array rules = {
    // Common to every object (§4.4).
    AttrRule{CKA_CLASS, "CKA_CLASS", AttrKind::ulong, cls_all, cg | af_required},
    AttrRule{CKA_TOKEN, "CKA_TOKEN", AttrKind::boolean, cls_all, cg | af_copy},
    AttrRule{CKA_PRIVATE, "CKA_PRIVATE", AttrKind::boolean, cls_all, cg | af_copy},
    AttrRule{CKA_MODIFIABLE, "CKA_MODIFIABLE", AttrKind::boolean, cls_all, cg | af_copy_to_false},
    AttrRule{CKA_COPYABLE, "CKA_COPYABLE", AttrKind::boolean, cls_all,
             cg | af_modify | af_only_to_false},
    AttrRule{CKA_DESTROYABLE, "CKA_DESTROYABLE", AttrKind::boolean, cls_all,
             cg | af_modify | af_only_to_false},
    AttrRule{CKA_LABEL, "CKA_LABEL", AttrKind::bytes, cls_all, cu},
    // Data objects (§4.5).
    AttrRule{CKA_APPLICATION, "CKA_APPLICATION", AttrKind::bytes, cls_data, cu},
    AttrRule{CKA_OBJECT_ID, "CKA_OBJECT_ID", AttrKind::bytes, cls_data, cu},
    AttrRule{CKA_VALUE, "CKA_VALUE", AttrKind::bytes, cls_data, cg | af_modify},
    AttrRule{CKA_VALUE, "CKA_VALUE", AttrKind::bytes, cls_cert, af_create | af_required},
    // Certificates (§4.6, X.509 public key certificates).
    AttrRule{CKA_CERTIFICATE_TYPE, "CKA_CERTIFICATE_TYPE", AttrKind::ulong, cls_cert,
             af_create | af_required},
    AttrRule{CKA_TRUSTED, "CKA_TRUSTED", AttrKind::boolean, cls_cert | pub_sec, cu | af_so_only},
    AttrRule{CKA_CERTIFICATE_CATEGORY, "CKA_CERTIFICATE_CATEGORY", AttrKind::ulong, cls_cert, cu},
    AttrRule{CKA_CHECK_VALUE, "CKA_CHECK_VALUE", AttrKind::bytes, cls_cert | cls_secret, af_create},
    AttrRule{CKA_ISSUER, "CKA_ISSUER", AttrKind::bytes, cls_cert, cu},
    AttrRule{CKA_SERIAL_NUMBER, "CKA_SERIAL_NUMBER", AttrKind::bytes, cls_cert, cu},
    AttrRule{CKA_URL, "CKA_URL", AttrKind::bytes, cls_cert, af_create},
    AttrRule{CKA_HASH_OF_SUBJECT_PUBLIC_KEY, "CKA_HASH_OF_SUBJECT_PUBLIC_KEY", AttrKind::bytes,
             cls_cert, af_create},
    AttrRule{CKA_HASH_OF_ISSUER_PUBLIC_KEY, "CKA_HASH_OF_ISSUER_PUBLIC_KEY", AttrKind::bytes,
             cls_cert, af_create},
    AttrRule{CKA_JAVA_MIDP_SECURITY_DOMAIN, "CKA_JAVA_MIDP_SECURITY_DOMAIN", AttrKind::ulong,
             cls_cert, af_create},
    AttrRule{CKA_SUBJECT, "CKA_SUBJECT", AttrKind::bytes, cls_cert, af_create | af_required},
    AttrRule{CKA_SUBJECT, "CKA_SUBJECT", AttrKind::bytes, asym, cu},
    AttrRule{CKA_ID, "CKA_ID", AttrKind::bytes, cls_cert | key_cls, cu},
    AttrRule{CKA_START_DATE, "CKA_START_DATE", AttrKind::date, cls_cert | key_cls, cu},
    AttrRule{CKA_END_DATE, "CKA_END_DATE", AttrKind::date, cls_cert | key_cls, cu},
    AttrRule{CKA_PUBLIC_KEY_INFO, "CKA_PUBLIC_KEY_INFO", AttrKind::bytes, cls_cert | asym, cg},
    // Keys (§4.7–4.9).
    AttrRule{CKA_KEY_TYPE, "CKA_KEY_TYPE", AttrKind::ulong, key_cls, cg | af_required},
    AttrRule{CKA_DERIVE, "CKA_DERIVE", AttrKind::boolean, key_cls, cu},
    AttrRule{CKA_LOCAL, "CKA_LOCAL", AttrKind::boolean, key_cls, 0},
    AttrRule{CKA_KEY_GEN_MECHANISM, "CKA_KEY_GEN_MECHANISM", AttrKind::ulong, key_cls, 0},
    AttrRule{CKA_ALLOWED_MECHANISMS, "CKA_ALLOWED_MECHANISMS", AttrKind::bytes, key_cls, cg},
    AttrRule{CKA_ENCRYPT, "CKA_ENCRYPT", AttrKind::boolean, pub_sec, cu},
    AttrRule{CKA_VERIFY, "CKA_VERIFY", AttrKind::boolean, pub_sec, cu},
    AttrRule{CKA_VERIFY_RECOVER, "CKA_VERIFY_RECOVER", AttrKind::boolean, cls_public, cu},
    AttrRule{CKA_WRAP, "CKA_WRAP", AttrKind::boolean, pub_sec, cu},
    AttrRule{CKA_DECRYPT, "CKA_DECRYPT", AttrKind::boolean, priv_sec, cu},
    AttrRule{CKA_SIGN, "CKA_SIGN", AttrKind::boolean, priv_sec, cu},
    AttrRule{CKA_SIGN_RECOVER, "CKA_SIGN_RECOVER", AttrKind::boolean, cls_private, cu},
    AttrRule{CKA_UNWRAP, "CKA_UNWRAP", AttrKind::boolean, priv_sec, cu},
    AttrRule{CKA_SENSITIVE, "CKA_SENSITIVE", AttrKind::boolean, priv_sec, cu | af_only_to_true},
    AttrRule{CKA_EXTRACTABLE, "CKA_EXTRACTABLE", AttrKind::boolean, priv_sec,
             cu | af_only_to_false},
    AttrRule{CKA_ALWAYS_SENSITIVE, "CKA_ALWAYS_SENSITIVE", AttrKind::boolean, priv_sec, 0},
    AttrRule{CKA_NEVER_EXTRACTABLE, "CKA_NEVER_EXTRACTABLE", AttrKind::boolean, priv_sec, 0},
    AttrRule{CKA_WRAP_WITH_TRUSTED, "CKA_WRAP_WITH_TRUSTED", AttrKind::boolean, priv_sec,
             cu | af_only_to_true},
    AttrRule{CKA_ALWAYS_AUTHENTICATE, "CKA_ALWAYS_AUTHENTICATE", AttrKind::boolean, cls_private,
             cu},
    // Key values and GOST domain parameters (TC26 extension). A key's CKA_VALUE is fixed.
    AttrRule{CKA_VALUE, "CKA_VALUE", AttrKind::bytes, key_cls, af_create | af_sensitive},
    AttrRule{CKA_VALUE_LEN, "CKA_VALUE_LEN", AttrKind::ulong, cls_secret, af_generate},
    AttrRule{CKA_GOSTR3410_PARAMS, "CKA_GOSTR3410_PARAMS", AttrKind::bytes, asym, cg},
    AttrRule{CKA_GOSTR3411_PARAMS, "CKA_GOSTR3411_PARAMS", AttrKind::bytes, asym, cg},
    AttrRule{CKA_GOST28147_PARAMS, "CKA_GOST28147_PARAMS", AttrKind::bytes, key_cls, cg},
};

struct DefaultValue {
    unsigned classes;
    CK_ATTRIBUTE_TYPE type;
    enum { f, t, ul_zero, unavailable, empty } value;
};

// Defaults where the template is silent. Private and secret keys are private, sensitive and
// unextractable unless the template says otherwise (gostcsp's policy refuses weaker private keys).
constexpr std::array defaults = {
    DefaultValue{cls_all, CKA_TOKEN, DefaultValue::f},
    DefaultValue{cls_data | cls_cert | cls_public, CKA_PRIVATE, DefaultValue::f},
    DefaultValue{priv_sec, CKA_PRIVATE, DefaultValue::t},
    DefaultValue{cls_all, CKA_MODIFIABLE, DefaultValue::t},
    DefaultValue{cls_all, CKA_COPYABLE, DefaultValue::t},
    DefaultValue{cls_all, CKA_DESTROYABLE, DefaultValue::t},
    DefaultValue{cls_all, CKA_LABEL, DefaultValue::empty},
    DefaultValue{cls_data, CKA_APPLICATION, DefaultValue::empty},
    DefaultValue{cls_data, CKA_OBJECT_ID, DefaultValue::empty},
    DefaultValue{cls_data, CKA_VALUE, DefaultValue::empty},
    DefaultValue{cls_cert, CKA_TRUSTED, DefaultValue::f},
    DefaultValue{cls_cert, CKA_CERTIFICATE_CATEGORY, DefaultValue::ul_zero},
    DefaultValue{cls_cert, CKA_CHECK_VALUE, DefaultValue::empty},
    DefaultValue{cls_cert, CKA_ISSUER, DefaultValue::empty},
    DefaultValue{cls_cert, CKA_SERIAL_NUMBER, DefaultValue::empty},
    DefaultValue{cls_cert, CKA_URL, DefaultValue::empty},
    DefaultValue{cls_cert, CKA_HASH_OF_SUBJECT_PUBLIC_KEY, DefaultValue::empty},
    DefaultValue{cls_cert, CKA_HASH_OF_ISSUER_PUBLIC_KEY, DefaultValue::empty},
    DefaultValue{cls_cert, CKA_JAVA_MIDP_SECURITY_DOMAIN, DefaultValue::ul_zero},
    DefaultValue{asym, CKA_SUBJECT, DefaultValue::empty},
    DefaultValue{cls_cert | key_cls, CKA_ID, DefaultValue::empty},
    DefaultValue{cls_cert | key_cls, CKA_START_DATE, DefaultValue::empty},
    DefaultValue{cls_cert | key_cls, CKA_END_DATE, DefaultValue::empty},
    DefaultValue{cls_cert | asym, CKA_PUBLIC_KEY_INFO, DefaultValue::empty},
    DefaultValue{key_cls, CKA_DERIVE, DefaultValue::f},
    DefaultValue{key_cls, CKA_LOCAL, DefaultValue::f},
    DefaultValue{key_cls, CKA_KEY_GEN_MECHANISM, DefaultValue::unavailable},
    DefaultValue{key_cls, CKA_ALLOWED_MECHANISMS, DefaultValue::empty},
    DefaultValue{pub_sec, CKA_ENCRYPT, DefaultValue::f},
    DefaultValue{cls_public, CKA_VERIFY, DefaultValue::t},
    DefaultValue{cls_secret, CKA_VERIFY, DefaultValue::t},
    DefaultValue{cls_public, CKA_VERIFY_RECOVER, DefaultValue::f},
    DefaultValue{pub_sec, CKA_WRAP, DefaultValue::f},
    DefaultValue{pub_sec, CKA_TRUSTED, DefaultValue::f},
    DefaultValue{priv_sec, CKA_DECRYPT, DefaultValue::f},
    DefaultValue{priv_sec, CKA_SIGN, DefaultValue::t},
    DefaultValue{cls_private, CKA_SIGN_RECOVER, DefaultValue::f},
    DefaultValue{priv_sec, CKA_UNWRAP, DefaultValue::f},
    DefaultValue{priv_sec, CKA_SENSITIVE, DefaultValue::t},
    DefaultValue{priv_sec, CKA_EXTRACTABLE, DefaultValue::f},
    DefaultValue{priv_sec, CKA_WRAP_WITH_TRUSTED, DefaultValue::f},
    DefaultValue{cls_private, CKA_ALWAYS_AUTHENTICATE, DefaultValue::f},
    DefaultValue{cls_secret, CKA_CHECK_VALUE, DefaultValue::empty},
};

bool is_valid_bool(const Bytes& v) {
    return v.size() == 1 && (v[0] == CK_TRUE || v[0] == CK_FALSE);
}

}  // namespace

std::span<const AttrRule> attribute_rules() noexcept {
    return rules;
}

const AttrRule* find_attr_rule(CK_ATTRIBUTE_TYPE type) noexcept {
    for (const auto& r : rules)
        if (r.type == type) return &r;
    return nullptr;
}

unsigned class_bit(CK_OBJECT_CLASS cls) {
    switch (cls) {
        case CKO_DATA:
            return cls_data;
        case CKO_CERTIFICATE:
            return cls_cert;
        case CKO_PUBLIC_KEY:
            return cls_public;
        case CKO_PRIVATE_KEY:
            return cls_private;
        case CKO_SECRET_KEY:
            return cls_secret;
        default:
            fail(CKR_ATTRIBUTE_VALUE_INVALID);
    }
}

// Rules are looked up per (type, class): CKA_VALUE has one row for data/certs, one for keys.
static const AttrRule* rule_for(CK_ATTRIBUTE_TYPE type, unsigned cls) noexcept {
    for (const auto& r : rules)
        if (r.type == type && (r.classes & cls) != 0) return &r;
    return nullptr;
}

AttrMap parse_template(const CK_ATTRIBUTE* tmpl, CK_ULONG count, unsigned cls, TemplateUse use) {
    check(tmpl != nullptr || count == 0, CKR_ARGUMENTS_BAD);
    AttrMap out;
    for (CK_ULONG i = 0; i < count; ++i) {
        const CK_ATTRIBUTE& a = tmpl[i];
        if ((a.type & CKF_ARRAY_ATTRIBUTE) != 0) fail(CKR_ATTRIBUTE_TYPE_INVALID);
        const AttrRule* r = rule_for(a.type, cls);
        if (r == nullptr) fail(CKR_ATTRIBUTE_TYPE_INVALID);
        check(a.pValue != nullptr || a.ulValueLen == 0, CKR_ATTRIBUTE_VALUE_INVALID);
        Bytes v = to_bytes(a.pValue, a.ulValueLen);
        switch (r->kind) {
            case AttrKind::boolean:
                check(is_valid_bool(v), CKR_ATTRIBUTE_VALUE_INVALID);
                break;
            case AttrKind::ulong:
                check(v.size() == sizeof(CK_ULONG), CKR_ATTRIBUTE_VALUE_INVALID);
                break;
            case AttrKind::date:
                check(v.empty() || v.size() == 8, CKR_ATTRIBUTE_VALUE_INVALID);
                break;
            case AttrKind::bytes:
                break;
        }
        unsigned need = 0;
        switch (use) {
            case TemplateUse::create:
                need = af_create;
                break;
            case TemplateUse::generate:
                need = af_generate;
                break;
            case TemplateUse::copy:
                need = af_modify | af_copy;
                break;
            case TemplateUse::modify:
                need = af_modify;
                break;
        }
        bool allowed = (r->flags & need) != 0;
        if (!allowed && use == TemplateUse::copy && (r->flags & af_copy_to_false) != 0 &&
            v[0] == CK_FALSE)
            allowed = true;
        if (!allowed) fail(CKR_ATTRIBUTE_READ_ONLY);
        auto [it, inserted] = out.emplace(a.type, v);
        if (!inserted && it->second != v) fail(CKR_TEMPLATE_INCONSISTENT);
    }
    return out;
}

void add_defaults(AttrMap& attrs, unsigned cls) {
    for (const auto& d : defaults) {
        if ((d.classes & cls) == 0 || attrs.count(d.type) != 0) continue;
        switch (d.value) {
            case DefaultValue::f:
                attrs[d.type] = bool_bytes(false);
                break;
            case DefaultValue::t:
                attrs[d.type] = bool_bytes(true);
                break;
            case DefaultValue::ul_zero:
                attrs[d.type] = ulong_bytes(0);
                break;
            case DefaultValue::unavailable:
                attrs[d.type] = ulong_bytes(CK_UNAVAILABLE_INFORMATION);
                break;
            case DefaultValue::empty:
                attrs[d.type] = Bytes{};
                break;
        }
    }
}

void check_required(const AttrMap& attrs, unsigned cls) {
    for (const auto& r : rules)
        if ((r.classes & cls) != 0 && (r.flags & af_required) != 0 && attrs.count(r.type) == 0)
            fail(CKR_TEMPLATE_INCOMPLETE);
}

bool attr_bool(const AttrMap& attrs, CK_ATTRIBUTE_TYPE type, bool fallback) {
    auto it = attrs.find(type);
    if (it == attrs.end()) return fallback;
    check(it->second.size() == 1, CKR_TEMPLATE_INCONSISTENT);
    return it->second[0] != CK_FALSE;
}

CK_ULONG attr_ulong(const AttrMap& attrs, CK_ATTRIBUTE_TYPE type, CK_ULONG fallback) {
    auto it = attrs.find(type);
    if (it == attrs.end()) return fallback;
    check(it->second.size() == sizeof(CK_ULONG), CKR_TEMPLATE_INCONSISTENT);
    CK_ULONG v;
    std::memcpy(&v, it->second.data(), sizeof v);
    return v;
}

const CK_ATTRIBUTE* find_in_template(const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                                     CK_ATTRIBUTE_TYPE type) {
    if (tmpl == nullptr) return nullptr;
    for (CK_ULONG i = 0; i < count; ++i)
        if (tmpl[i].type == type) return &tmpl[i];
    return nullptr;
}

bool template_matches(const AttrMap& attrs,
                      std::span<const std::pair<CK_ATTRIBUTE_TYPE, Bytes>> t) {
    return std::all_of(t.begin(), t.end(), [&](const auto& want) {
        auto it = attrs.find(want.first);
        return it != attrs.end() && it->second == want.second;
    });
}

}  // namespace gostcsp::p11
