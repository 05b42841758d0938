// SPDX-License-Identifier: Apache-2.0
// Attribute map ↔ keystore::Object, and the non-exportable-key policy at object creation.
#include "object_codec.hpp"

#include <array>
#include <cstring>

#include "attributes.hpp"
#include "gost_oid.hpp"
#include "gostcsp/gost3410.hpp"
#include "secret_keys.hpp"

namespace gostcsp::p11 {
namespace {

// Attributes the keystore holds in typed fields; they never go into its opaque list.
constexpr std::array typed_attrs = {
    CKA_CLASS,
    CKA_TOKEN,
    CKA_PRIVATE,
    CKA_KEY_TYPE,
    CKA_SENSITIVE,
    CKA_EXTRACTABLE,
    CKA_ALWAYS_SENSITIVE,
    CKA_NEVER_EXTRACTABLE,
    CKA_GOSTR3410_PARAMS,
};

static_assert(keystore::cko_private_key == CKO_PRIVATE_KEY &&
              keystore::cko_secret_key == CKO_SECRET_KEY);
static_assert(keystore::ckk_gostr3410 == CKK_GOSTR3410 &&
              keystore::ckk_gostr3410_512 == CKK_GOSTR3410_512);
static_assert(keystore::cka_sensitive == CKA_SENSITIVE &&
              keystore::cka_extractable == CKA_EXTRACTABLE);
static_assert(keystore::cka_gostr3410_params == CKA_GOSTR3410_PARAMS &&
              keystore::cka_value == CKA_VALUE);
static_assert(keystore::cka_always_sensitive == CKA_ALWAYS_SENSITIVE &&
              keystore::cka_never_extractable == CKA_NEVER_EXTRACTABLE);

bool is_typed(CK_ATTRIBUTE_TYPE t) {
    for (auto x : typed_attrs)
        if (x == t) return true;
    return false;
}

bool is_gost_key_type(CK_ULONG kt) {
    return kt == CKK_GOSTR3410 || kt == CKK_GOSTR3410_512;
}

}  // namespace

NewObject prepare_new_object(AttrMap attrs, unsigned cls, ObjectOrigin origin) {
    add_defaults(attrs, cls);
    NewObject n;
    keystore::Object& o = n.object;
    o.object_class = attr_ulong(attrs, CKA_CLASS, CKO_DATA);
    o.is_token = attr_bool(attrs, CKA_TOKEN, false);
    o.is_private = attr_bool(attrs, CKA_PRIVATE, false);
    if ((cls & cls_keys) != 0) o.key_type = attr_ulong(attrs, CKA_KEY_TYPE, 0);

    if (cls == cls_public || cls == cls_private) {
        check(is_gost_key_type(o.key_type), CKR_ATTRIBUTE_VALUE_INVALID);
        auto p = attrs.find(CKA_GOSTR3410_PARAMS);
        check(p != attrs.end(), CKR_TEMPLATE_INCOMPLETE);
        auto set = param_set_from_der(p->second);
        check(set.has_value(), origin == ObjectOrigin::created ? CKR_ATTRIBUTE_VALUE_INVALID
                                                               : CKR_DOMAIN_PARAMS_INVALID);
        unsigned bits = core::param_set_info(*set).bits;
        check((bits == 512) == (o.key_type == CKK_GOSTR3410_512), CKR_TEMPLATE_INCONSISTENT);
        o.param_set = *set;
        // A CryptoPro (alias) OID is what the caller asked for: keep it to report it back.
        if (p->second != param_set_der(*set)) attrs[keystore::cka_gostcsp_param_oid] = p->second;
        if (attrs.count(CKA_GOSTR3411_PARAMS) == 0)
            attrs[CKA_GOSTR3411_PARAMS] = digest_oid_der(bits);
    }
    if (cls == cls_secret) {
        const SecretKeyType* st = find_secret_key_type(o.key_type);
        check(st != nullptr, CKR_ATTRIBUTE_VALUE_INVALID);
        check(o.is_private, CKR_TEMPLATE_INCONSISTENT);  // the keystore seals only private secrets
        // The value's length must fit the key type: the imported value, or the length a
        // generation / derivation / unwrap asks for.
        if (origin == ObjectOrigin::created) {
            auto v = attrs.find(CKA_VALUE);
            complete_secret_attrs(attrs, o.key_type,
                                  v == attrs.end() ? st->min_bytes : v->second.size(),
                                  CKR_ATTRIBUTE_VALUE_INVALID);
        } else {
            complete_secret_attrs(attrs, o.key_type,
                                  attr_ulong(attrs, CKA_VALUE_LEN, st->min_bytes),
                                  CKR_TEMPLATE_INCONSISTENT);
        }
    }
    if (cls == cls_private) {
        // Promise 1: private keys are born sensitive and unextractable and stay so.
        check(attr_bool(attrs, CKA_SENSITIVE, true), CKR_ATTRIBUTE_VALUE_INVALID);
        check(!attr_bool(attrs, CKA_EXTRACTABLE, false), CKR_ATTRIBUTE_VALUE_INVALID);
        check(o.is_private, CKR_TEMPLATE_INCONSISTENT);
        if (origin == ObjectOrigin::created) check(o.is_token, CKR_TEMPLATE_INCONSISTENT);
    }
    if (cls == cls_private || cls == cls_secret) {
        o.sensitive = attr_bool(attrs, CKA_SENSITIVE, true);
        o.extractable = attr_bool(attrs, CKA_EXTRACTABLE, false);
    }
    if (origin == ObjectOrigin::created && (cls & cls_keys) != 0) {
        auto v = attrs.find(CKA_VALUE);
        check(v != attrs.end(), CKR_TEMPLATE_INCOMPLETE);
        if (cls == cls_public) {
            core::PublicKey pk;
            check(core::PublicKey::from_le_xy(*o.param_set, {v->second.data(), v->second.size()},
                                              pk) == core::Status::ok,
                  CKR_ATTRIBUTE_VALUE_INVALID);
            o.public_key.assign(v->second.begin(), v->second.end());
        } else {
            if (cls == cls_private)
                check(v->second.size() == core::param_set_info(*o.param_set).field_bytes(),
                      CKR_ATTRIBUTE_VALUE_INVALID);
            check(!v->second.empty(), CKR_ATTRIBUTE_VALUE_INVALID);
            n.secret = v->second;
            if (cls == cls_secret) attrs[CKA_VALUE_LEN] = ulong_bytes(v->second.size());
        }
        attrs.erase(CKA_VALUE);
    }
    for (const auto& [t, v] : attrs) {
        if (is_typed(t) || ((cls & cls_keys) != 0 && t == CKA_VALUE)) continue;
        o.attributes.push_back({t, keystore::Bytes(v.begin(), v.end())});
    }
    n.all = std::move(attrs);
    return n;
}

AttrMap attrs_from_keystore(const keystore::Object& o) {
    AttrMap m;
    for (const auto& a : o.attributes) m[a.type] = Bytes(a.value.begin(), a.value.end());
    m[CKA_CLASS] = ulong_bytes(o.object_class);
    m[CKA_TOKEN] = bool_bytes(o.is_token);
    m[CKA_PRIVATE] = bool_bytes(o.is_private);
    if (o.key_type != keystore::key_type_none) m[CKA_KEY_TYPE] = ulong_bytes(o.key_type);
    if (o.param_set) m[CKA_GOSTR3410_PARAMS] = param_set_der(*o.param_set);
    if (auto req = m.find(keystore::cka_gostcsp_param_oid); req != m.end()) {
        // The OID the key was requested with (gostcsp-tool keygen, C_GenerateKeyPair).
        if (o.param_set && param_set_from_der(req->second) == o.param_set)
            m[CKA_GOSTR3410_PARAMS] = req->second;
        m.erase(req);
    }
    if (o.object_class == CKO_PRIVATE_KEY || o.object_class == CKO_SECRET_KEY) {
        m[CKA_SENSITIVE] = bool_bytes(o.sensitive);
        m[CKA_EXTRACTABLE] = bool_bytes(o.extractable);
        m[CKA_ALWAYS_SENSITIVE] = bool_bytes(o.always_sensitive);
        m[CKA_NEVER_EXTRACTABLE] = bool_bytes(o.never_extractable);
    }
    if (o.object_class == CKO_PUBLIC_KEY)
        m[CKA_VALUE] = Bytes(o.public_key.begin(), o.public_key.end());
    return m;
}

bool usage_allowed(const keystore::Object& o, CK_ATTRIBUTE_TYPE type) {
    for (const auto& a : o.attributes) {
        if (a.type == type) {
            check(a.value.size() == 1, CKR_TEMPLATE_INCONSISTENT);
            return a.value[0] != CK_FALSE;
        }
    }
    return false;
}

keystore::ObjectUpdate update_from_changes(const AttrMap& current, const AttrMap& changes,
                                           unsigned cls) {
    keystore::ObjectUpdate u;
    for (const auto& [t, v] : changes) {
        const AttrRule* r = nullptr;
        for (const auto& rule : attribute_rules())
            if (rule.type == t && (rule.classes & cls) != 0) r = &rule;
        if (r == nullptr) fail(CKR_ATTRIBUTE_TYPE_INVALID);
        if (r->kind == AttrKind::boolean) {
            bool now = attr_bool(current, t, false);
            bool want = v[0] != CK_FALSE;
            if ((r->flags & af_only_to_true) != 0 && now && !want) fail(CKR_ATTRIBUTE_READ_ONLY);
            if ((r->flags & af_only_to_false) != 0 && !now && want) fail(CKR_ATTRIBUTE_READ_ONLY);
            if ((r->flags & af_copy_to_false) != 0 && want && !now) fail(CKR_ATTRIBUTE_READ_ONLY);
            if (t == CKA_SENSITIVE) {
                u.sensitive = want;
                continue;
            }
            if (t == CKA_EXTRACTABLE) {
                u.extractable = want;
                continue;
            }
        }
        if (is_typed(t)) fail(CKR_ATTRIBUTE_READ_ONLY);
        u.set.push_back({t, keystore::Bytes(v.begin(), v.end())});
    }
    return u;
}

}  // namespace gostcsp::p11
