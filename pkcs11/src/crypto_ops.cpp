// SPDX-License-Identifier: Apache-2.0
// Digest, sign/verify, HMAC, key-pair generation, VKO derivation and random (PKCS#11 v2.40
// §5.10–5.15).
#include <openssl/rand.h>

#include <cstring>

#include "attributes.hpp"
#include "gost_oid.hpp"
#include "gostcsp/gost3410.hpp"
#include "gostcsp/keg.hpp"
#include "gostcsp/secure.hpp"
#include "module.hpp"
#include "object_codec.hpp"
#include "op_util.hpp"
#include "rv_map.hpp"
#include "secret_keys.hpp"
#include "symmetric_ops.hpp"

namespace gostcsp::p11 {
namespace {

void check_no_param(const CK_MECHANISM* mech) {
    check(mech->pParameter == nullptr && mech->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
}

std::size_t output_size(const Operation& op) {
    if (op.sym) return sym_mac_bytes(*op.sym);  // cipher MACs
    switch (op.mech->kind) {
        case MechKind::digest:
            return op.mech->key_bits / 8;
        case MechKind::hmac:
            return op.mech->key_bits / 8;
        default:
            return 2 * (op.key_bits / 8);  // s‖r
    }
}

}  // namespace

// ---- digest ----

void Module::digest_init(CK_SESSION_HANDLE h, const CK_MECHANISM* mech) {
    check(mech != nullptr, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    Guard sg(s->mutex);
    check(!s->digest.has_value(), CKR_OPERATION_ACTIVE);
    const MechInfo* m = find_mechanism(mech->mechanism);
    check(m != nullptr && m->kind == MechKind::digest, CKR_MECHANISM_INVALID);
    check_no_param(mech);
    Operation op;
    op.mech = m;
    op.hash = std::make_unique<core::Streebog>(m->key_bits == 512 ? core::DigestSize::bits512
                                                                  : core::DigestSize::bits256);
    s->digest = std::move(op);
}

void Module::digest(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len, CK_BYTE* out,
                    CK_ULONG* out_len) {
    auto s = session(h);
    Guard sg(s->mutex);
    check(s->digest.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    OpScope scope(s->digest);
    check(out_len != nullptr && (data != nullptr || len == 0), CKR_ARGUMENTS_BAD);
    check(!s->digest->multipart, CKR_OPERATION_ACTIVE);
    run_keeping_on_short_buffer(scope, [&] {
        if (!output_ready(out, out_len, output_size(*s->digest))) return false;
        s->digest->hash->update({data, static_cast<std::size_t>(len)});
        s->digest->hash->final({out, static_cast<std::size_t>(*out_len)});
        *out_len = output_size(*s->digest);
        return true;
    });
}

void Module::digest_update(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len) {
    auto s = session(h);
    Guard sg(s->mutex);
    check(s->digest.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    if (data == nullptr && len != 0) {
        s->digest.reset();
        fail(CKR_ARGUMENTS_BAD);
    }
    s->digest->multipart = true;
    s->digest->hash->update({data, static_cast<std::size_t>(len)});
}

void Module::digest_final(CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG* out_len) {
    auto s = session(h);
    Guard sg(s->mutex);
    check(s->digest.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    OpScope scope(s->digest);
    check(out_len != nullptr, CKR_ARGUMENTS_BAD);
    run_keeping_on_short_buffer(scope, [&] {
        if (!output_ready(out, out_len, output_size(*s->digest))) return false;
        s->digest->hash->final({out, static_cast<std::size_t>(*out_len)});
        *out_len = output_size(*s->digest);
        return true;
    });
}

// ---- sign / verify ----

void Module::init_operation(Session& s, Operation& op, const CK_MECHANISM* mech,
                            CK_OBJECT_HANDLE key, bool for_sign) {
    const MechInfo* m = find_mechanism(mech->mechanism);
    CK_FLAGS need = for_sign ? CKF_SIGN : CKF_VERIFY;
    check(m != nullptr && (m->info.flags & need) != 0, CKR_MECHANISM_INVALID);
    if (m->kind == MechKind::cipher_mac) return init_cipher_mac(s, op, m, mech, key, for_sign);
    check_no_param(mech);
    ObjectRef ref{};
    std::shared_ptr<const keystore::Object> view;  // no copy: this runs once per signature
    try {
        view = view_object(s, key, &ref);
    } catch (const P11Error& e) {
        if (e.rv() == CKR_OBJECT_HANDLE_INVALID) fail(CKR_KEY_HANDLE_INVALID);
        throw;
    }
    const keystore::Object& o = *view;
    op.mech = m;
    op.slot = s.slot;
    op.key = ref.handle;
    op.token = token_of(s.slot);
    if (m->kind == MechKind::hmac) {
        check(o.object_class == CKO_SECRET_KEY &&
                  (o.key_type == CKK_GENERIC_SECRET || o.key_type == CKK_GOSTR3411),
              CKR_KEY_TYPE_INCONSISTENT);
        check(usage_allowed(o, for_sign ? CKA_SIGN : CKA_VERIFY), CKR_KEY_FUNCTION_NOT_PERMITTED);
        // Used in place: a sensitive or non-extractable HMAC key works, its value stays here.
        auto value = ks_value(op.token->secret_for_use(ref.handle));
        op.hmac = std::make_unique<core::HmacStreebog>(
            m->key_bits == 512 ? core::DigestSize::bits512 : core::DigestSize::bits256,
            value.span());
        return;
    }
    CK_OBJECT_CLASS want_cls = for_sign ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY;
    check(o.object_class == want_cls && o.param_set.has_value(), CKR_KEY_TYPE_INCONSISTENT);
    op.key_bits = core::param_set_info(*o.param_set).bits;
    check(op.key_bits == m->key_bits, CKR_KEY_TYPE_INCONSISTENT);
    check(usage_allowed(o, for_sign ? CKA_SIGN : CKA_VERIFY), CKR_KEY_FUNCTION_NOT_PERMITTED);
    if (for_sign) {
        Guard g(mutex_);
        check(!slot_locked(s.slot).user_must_change, CKR_PIN_EXPIRED);
    } else {
        core::PublicKey pk;
        check(core::PublicKey::from_le_xy(*o.param_set, {o.public_key.data(), o.public_key.size()},
                                          pk) == core::Status::ok,
              CKR_KEY_TYPE_INCONSISTENT);
        op.public_key = pk;
    }
    if (m->kind == MechKind::hash_sign)
        op.hash = std::make_unique<core::Streebog>(m->key_bits == 512 ? core::DigestSize::bits512
                                                                      : core::DigestSize::bits256);
}

void Module::sign_init(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE key) {
    check(mech != nullptr, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    Guard sg(s->mutex);
    check(!s->sign.has_value(), CKR_OPERATION_ACTIVE);
    Operation op;
    init_operation(*s, op, mech, key, true);
    s->sign = std::move(op);
}

// Produces the signature / MAC over the data given to the final step into `out`, which is
// exactly output_size(op) long.
void Module::finish_sign(Operation& op, const std::uint8_t* data, std::size_t len,
                         std::span<std::uint8_t> out) {
    if (op.sym) {  // cipher MACs: out is sym_mac_bytes long
        sym_mac_update(*op.sym, {data, len});
        sym_mac_final(*op.sym, out);
        return;
    }
    if (op.mech->kind == MechKind::hmac) {
        op.hmac->update({data, len});
        op.hmac->final(out);
        return;
    }
    std::uint8_t digest[64];
    core::WipeOnExit<decltype(digest)> wipe(digest);
    std::span<const std::uint8_t> d;
    if (op.mech->kind == MechKind::hash_sign) {
        op.hash->update({data, len});
        op.hash->final(digest);
        d = {digest, op.hash->output_bytes()};
    } else {
        check(len == op.key_bits / 8, CKR_DATA_LEN_RANGE);
        d = {data, len};
    }
    ks_check(op.token->sign_digest(op.key, d, out));
}

void Module::sign(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len, CK_BYTE* sig,
                  CK_ULONG* sig_len) {
    auto s = session(h);
    Guard sg(s->mutex);
    check(s->sign.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    OpScope scope(s->sign);
    check(sig_len != nullptr && (data != nullptr || len == 0), CKR_ARGUMENTS_BAD);
    check(!s->sign->multipart, CKR_OPERATION_ACTIVE);
    run_keeping_on_short_buffer(scope, [&] {
        if (!output_ready(sig, sig_len, output_size(*s->sign))) return false;
        const std::size_t n = output_size(*s->sign);
        finish_sign(*s->sign, data, len, {sig, n});
        *sig_len = n;
        return true;
    });
}

void Module::sign_update(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len) {
    auto s = session(h);
    Guard sg(s->mutex);
    check(s->sign.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    OpScope scope(s->sign);
    check(data != nullptr || len == 0, CKR_ARGUMENTS_BAD);
    Operation& op = *s->sign;
    check(op.mech->kind != MechKind::raw_sign, CKR_FUNCTION_NOT_SUPPORTED);  // single-part only
    op.multipart = true;
    if (op.sym)
        sym_mac_update(*op.sym, {data, static_cast<std::size_t>(len)});
    else if (op.hmac)
        op.hmac->update({data, static_cast<std::size_t>(len)});
    else
        op.hash->update({data, static_cast<std::size_t>(len)});
    scope.keep();
}

void Module::sign_final(CK_SESSION_HANDLE h, CK_BYTE* sig, CK_ULONG* sig_len) {
    auto s = session(h);
    Guard sg(s->mutex);
    check(s->sign.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    OpScope scope(s->sign);
    check(sig_len != nullptr, CKR_ARGUMENTS_BAD);
    check(s->sign->mech->kind != MechKind::raw_sign, CKR_FUNCTION_NOT_SUPPORTED);
    run_keeping_on_short_buffer(scope, [&] {
        if (!output_ready(sig, sig_len, output_size(*s->sign))) return false;
        const std::size_t n = output_size(*s->sign);
        finish_sign(*s->sign, nullptr, 0, {sig, n});
        *sig_len = n;
        return true;
    });
}

void Module::verify_init(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE key) {
    check(mech != nullptr, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    Guard sg(s->mutex);
    check(!s->verify.has_value(), CKR_OPERATION_ACTIVE);
    Operation op;
    init_operation(*s, op, mech, key, false);
    s->verify = std::move(op);
}

namespace {

void finish_verify(Operation& op, const std::uint8_t* data, std::size_t len, const CK_BYTE* sig,
                   CK_ULONG sig_len) {
    std::size_t need = output_size(op);
    check(sig_len == need, CKR_SIGNATURE_LEN_RANGE);
    if (op.mech->kind == MechKind::hmac || op.sym) {
        std::uint8_t mac[64];
        core::WipeOnExit<decltype(mac)> wipe(mac);
        if (op.sym) {
            sym_mac_update(*op.sym, {data, len});
            sym_mac_final(*op.sym, {mac, need});
        } else {
            op.hmac->update({data, len});
            op.hmac->final({mac, need});
        }
        check(core::constant_time_equal({mac, need}, {sig, need}), CKR_SIGNATURE_INVALID);
        return;
    }
    std::uint8_t digest[64];
    std::span<const std::uint8_t> d;
    if (op.mech->kind == MechKind::hash_sign) {
        op.hash->update({data, len});
        op.hash->final(digest);
        d = {digest, op.hash->output_bytes()};
    } else {
        check(len == op.key_bits / 8, CKR_DATA_LEN_RANGE);
        d = {data, len};
    }
    core::Status st = core::verify_digest(*op.public_key, d, {sig, need});
    if (st == core::Status::invalid_signature || st == core::Status::bad_length)
        fail(CKR_SIGNATURE_INVALID);
    core_check(st);
}

}  // namespace

void Module::verify(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len, const CK_BYTE* sig,
                    CK_ULONG sig_len) {
    auto s = session(h);
    Guard sg(s->mutex);
    check(s->verify.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    OpScope scope(s->verify);
    check(sig != nullptr && (data != nullptr || len == 0), CKR_ARGUMENTS_BAD);
    check(!s->verify->multipart, CKR_OPERATION_ACTIVE);
    finish_verify(*s->verify, data, len, sig, sig_len);
}

void Module::verify_update(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len) {
    auto s = session(h);
    Guard sg(s->mutex);
    check(s->verify.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    OpScope scope(s->verify);
    check(data != nullptr || len == 0, CKR_ARGUMENTS_BAD);
    Operation& op = *s->verify;
    check(op.mech->kind != MechKind::raw_sign, CKR_FUNCTION_NOT_SUPPORTED);
    op.multipart = true;
    if (op.sym)
        sym_mac_update(*op.sym, {data, static_cast<std::size_t>(len)});
    else if (op.hmac)
        op.hmac->update({data, static_cast<std::size_t>(len)});
    else
        op.hash->update({data, static_cast<std::size_t>(len)});
    scope.keep();
}

void Module::verify_final(CK_SESSION_HANDLE h, const CK_BYTE* sig, CK_ULONG sig_len) {
    auto s = session(h);
    Guard sg(s->mutex);
    check(s->verify.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    OpScope scope(s->verify);
    check(sig != nullptr, CKR_ARGUMENTS_BAD);
    check(s->verify->mech->kind != MechKind::raw_sign, CKR_FUNCTION_NOT_SUPPORTED);
    finish_verify(*s->verify, nullptr, 0, sig, sig_len);
}

// ---- key management ----

namespace {

// The class in a key template, if given, must be the one the function produces.
void expect_class(const AttrMap& attrs, CK_OBJECT_CLASS cls) {
    check(attr_ulong(attrs, CKA_CLASS, cls) == cls, CKR_TEMPLATE_INCONSISTENT);
}

}  // namespace

void Module::generate_key_pair(CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                               CK_ATTRIBUTE* pub_tmpl, CK_ULONG pub_count, CK_ATTRIBUTE* priv_tmpl,
                               CK_ULONG priv_count, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) {
    check(mech != nullptr && pub != nullptr && priv != nullptr, CKR_ARGUMENTS_BAD);
    check((pub_tmpl != nullptr || pub_count == 0) && (priv_tmpl != nullptr || priv_count == 0),
          CKR_ARGUMENTS_BAD);
    auto s = session(h);
    const MechInfo* m = find_mechanism(mech->mechanism);
    check(m != nullptr && m->kind == MechKind::keypair_gen, CKR_MECHANISM_INVALID);
    check_no_param(mech);
    AttrMap pa = parse_template(pub_tmpl, pub_count, cls_public, TemplateUse::generate);
    AttrMap ka = parse_template(priv_tmpl, priv_count, cls_private, TemplateUse::generate);
    expect_class(pa, CKO_PUBLIC_KEY);
    expect_class(ka, CKO_PRIVATE_KEY);
    CK_KEY_TYPE kt = m->key_bits == 512 ? CKK_GOSTR3410_512 : CKK_GOSTR3410;
    check(attr_ulong(pa, CKA_KEY_TYPE, kt) == kt && attr_ulong(ka, CKA_KEY_TYPE, kt) == kt,
          CKR_TEMPLATE_INCONSISTENT);
    // The parameter set comes from either template (TC26 puts it in the public one).
    auto pp = pa.find(CKA_GOSTR3410_PARAMS);
    auto kp = ka.find(CKA_GOSTR3410_PARAMS);
    check(pp != pa.end() || kp != ka.end(), CKR_TEMPLATE_INCOMPLETE);
    if (pp != pa.end() && kp != ka.end())
        check(pp->second == kp->second, CKR_TEMPLATE_INCONSISTENT);
    Bytes params = pp != pa.end() ? pp->second : kp->second;
    auto set = param_set_from_der(params);
    check(set.has_value(), CKR_DOMAIN_PARAMS_INVALID);
    check(core::param_set_info(*set).bits == m->key_bits, CKR_TEMPLATE_INCONSISTENT);
    if (pa.count(CKA_GOSTR3411_PARAMS) != 0 && ka.count(CKA_GOSTR3411_PARAMS) == 0)
        ka[CKA_GOSTR3411_PARAMS] = pa[CKA_GOSTR3411_PARAMS];
    for (AttrMap* a : {&pa, &ka}) {
        (*a)[CKA_KEY_TYPE] = ulong_bytes(kt);
        (*a)[CKA_GOSTR3410_PARAMS] = params;
        (*a)[CKA_LOCAL] = bool_bytes(true);
        (*a)[CKA_KEY_GEN_MECHANISM] = ulong_bytes(m->type);
    }
    pa[CKA_CLASS] = ulong_bytes(CKO_PUBLIC_KEY);
    ka[CKA_CLASS] = ulong_bytes(CKO_PRIVATE_KEY);
    NewObject pn = prepare_new_object(std::move(pa), cls_public, ObjectOrigin::generated);
    NewObject kn = prepare_new_object(std::move(ka), cls_private, ObjectOrigin::generated);
    check_write(*s, pn.object.is_token || kn.object.is_token);
    if ((pn.object.is_private || kn.object.is_private) && !user_logged_in(s->slot))
        fail(CKR_USER_NOT_LOGGED_IN);
    auto token = token_of(s->slot);
    auto r = ks_value(token->generate_key_pair(*set, pn.object, kn.object));
    *pub = store_new(*s, keystore::Result<keystore::ObjectHandle>(r.public_key));
    *priv = store_new(*s, keystore::Result<keystore::ObjectHandle>(r.private_key));
}

namespace {

// The peer key and UKM of CKM_GOSTR3410_12_DERIVE (CK_GOSTR3410_DERIVE_PARAMS, kdf = CKD_NULL) or
// CKM_GOST_KEG (CK_VENDOR_GOST_KEG_PARAMS).
struct DeriveInput {
    std::span<const std::uint8_t> peer;
    std::span<const std::uint8_t> ukm;
};

template <class Params>
Params read_params(const CK_MECHANISM& mech) {
    check(mech.pParameter != nullptr && mech.ulParameterLen == sizeof(Params),
          CKR_MECHANISM_PARAM_INVALID);
    Params prm;
    std::memcpy(&prm, mech.pParameter, sizeof prm);
    return prm;
}

DeriveInput derive_input(const CK_MECHANISM& mech, MechKind kind) {
    DeriveInput in;
    if (kind == MechKind::keg) {
        const auto prm = read_params<CK_VENDOR_GOST_KEG_PARAMS>(mech);
        check(prm.pPublicData != nullptr && prm.pUKM != nullptr &&
                  prm.ulUKMLen == core::keg_input_bytes,
              CKR_MECHANISM_PARAM_INVALID);
        in = {{prm.pPublicData, prm.ulPublicDataLen}, {prm.pUKM, prm.ulUKMLen}};
    } else {
        const auto prm = read_params<CK_GOSTR3410_DERIVE_PARAMS>(mech);
        check(prm.kdf == CKD_NULL, CKR_MECHANISM_PARAM_INVALID);
        check(prm.pPublicData != nullptr && prm.pUKM != nullptr && prm.ulUKMLen > 0,
              CKR_MECHANISM_PARAM_INVALID);
        in = {{prm.pPublicData, prm.ulPublicDataLen}, {prm.pUKM, prm.ulUKMLen}};
    }
    return in;
}

}  // namespace

void Module::derive_key(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE base,
                        CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_OBJECT_HANDLE* out) {
    check(mech != nullptr && out != nullptr && (tmpl != nullptr || count == 0), CKR_ARGUMENTS_BAD);
    auto s = session(h);
    const MechInfo* m = find_mechanism(mech->mechanism);
    if (m != nullptr && m->kind == MechKind::kdf_tree) {  // from a secret key: key_wrap_ops.cpp
        *out = derive_kdf_tree(*s, mech, base, tmpl, count);
        return;
    }
    check(m != nullptr && (m->kind == MechKind::derive || m->kind == MechKind::keg),
          CKR_MECHANISM_INVALID);
    const bool is_keg = m->kind == MechKind::keg;
    const DeriveInput in = derive_input(*mech, m->kind);
    ObjectRef ref{};
    keystore::Object o;
    try {
        o = read_object(*s, base, &ref);
    } catch (const P11Error& e) {
        if (e.rv() == CKR_OBJECT_HANDLE_INVALID) fail(CKR_KEY_HANDLE_INVALID);
        throw;
    }
    check(o.object_class == CKO_PRIVATE_KEY && o.param_set.has_value(), CKR_KEY_TYPE_INCONSISTENT);
    check(attr_bool(attrs_from_keystore(o), CKA_DERIVE, false), CKR_KEY_FUNCTION_NOT_PERMITTED);
    const auto& info = core::param_set_info(*o.param_set);
    check(in.peer.size() == info.public_key_bytes(), CKR_MECHANISM_PARAM_INVALID);
    check(is_keg || in.ukm.size() <= info.field_bytes(), CKR_MECHANISM_PARAM_INVALID);
    {
        Guard g(mutex_);
        check(!slot_locked(s->slot).user_must_change, CKR_PIN_EXPIRED);
    }
    AttrMap attrs = parse_template(tmpl, count, cls_secret, TemplateUse::generate);
    expect_class(attrs, CKO_SECRET_KEY);
    if (attrs.count(CKA_KEY_TYPE) == 0) attrs[CKA_KEY_TYPE] = ulong_bytes(CKK_GENERIC_SECRET);
    // VKO: 32 bytes, or 64 from a 512-bit key; KEG: always 64 (K_Exp_MAC | K_Exp_ENC).
    const CK_ULONG default_len = is_keg ? core::keg_output_bytes : info.bits / 8;
    CK_ULONG want_len = attr_ulong(attrs, CKA_VALUE_LEN, default_len);
    check(is_keg ? want_len == core::keg_output_bytes
                 : (want_len == 32 || (want_len == 64 && info.bits == 512)),
          CKR_TEMPLATE_INCONSISTENT);
    attrs[CKA_CLASS] = ulong_bytes(CKO_SECRET_KEY);
    attrs[CKA_VALUE_LEN] = ulong_bytes(want_len);
    attrs[CKA_LOCAL] = bool_bytes(false);
    NewObject n = prepare_new_object(std::move(attrs), cls_secret, ObjectOrigin::derived);
    check_write(*s, n.object.is_token);
    auto token = token_of(s->slot);
    if (!is_keg) {
        auto kek = ks_value(
            token->vko(ref.handle, in.peer, in.ukm,
                       want_len == 64 ? core::DigestSize::bits512 : core::DigestSize::bits256));
        *out = store_new(*s, token->create_object(n.object, kek.span(), origin_from(o)));
        return;
    }
    // KEG: VKO runs in the keystore on the private key; the KDF_TREE step (256-bit keys) here.
    std::uint8_t ukm_le[core::keg_ukm_bytes];
    core_check(core::keg_ukm(in.ukm, ukm_le));
    const bool is512 = info.bits == 512;
    auto vko = ks_value(token->vko(ref.handle, in.peer, ukm_le,
                                   is512 ? core::DigestSize::bits512 : core::DigestSize::bits256));
    if (is512) {
        *out = store_new(*s, token->create_object(n.object, vko.span(), origin_from(o)));
        return;
    }
    core::SecretBytes<core::keg_output_bytes> keys;
    core_check(core::keg_expand_256(vko.span(), in.ukm, keys.span()));
    *out = store_new(*s, token->create_object(n.object, keys.span(), origin_from(o)));
}

void Module::wrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE wrapping,
                      CK_OBJECT_HANDLE key, CK_BYTE* out, CK_ULONG* out_len) {
    check(mech != nullptr && out_len != nullptr, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    ObjectRef ref{};
    keystore::Object o = read_key(*s, key, &ref);
    // Promise 1: a private key never leaves the token, wrapped or not.
    if (o.object_class == CKO_PRIVATE_KEY || !o.extractable) fail(CKR_KEY_UNEXTRACTABLE);
    wrap_symmetric(*s, mech, wrapping, o, ref, out, out_len);  // key_wrap_ops.cpp
}

void Module::generate_random(CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG len) {
    check(out != nullptr || len == 0, CKR_ARGUMENTS_BAD);
    session(h);
    if (len == 0) return;
    check(len <= 0x7fffffffUL, CKR_ARGUMENTS_BAD);
    check(RAND_bytes(out, static_cast<int>(len)) == 1, CKR_FUNCTION_FAILED);
}

void Module::seed_random(CK_SESSION_HANDLE h, const CK_BYTE* seed, CK_ULONG len) {
    check(seed != nullptr || len == 0, CKR_ARGUMENTS_BAD);
    session(h);
    fail(CKR_RANDOM_SEED_NOT_SUPPORTED);  // OpenSSL's DRBG seeds itself
}

}  // namespace gostcsp::p11
