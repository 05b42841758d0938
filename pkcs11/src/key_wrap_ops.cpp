// SPDX-License-Identifier: Apache-2.0
// Secret keys made or moved inside the token: C_GenerateKey (Kuznyechik, Magma, 28147 keys),
// C_WrapKey / C_UnwrapKey with KExp15/KImp15 (R 1323565.1.017-2018, RFC 9189 §8.2.1) and the
// CryptoPro key wrap (RFC 4357 §6.3-6.5), C_DeriveKey with KDF_TREE_GOSTR3411_2012_256. The
// wrapping, unwrapping and base keys are used in place; unwrapped and derived values go from
// the keystore's locked memory straight back into it.
#include <openssl/rand.h>

#include <cstring>

#include "attributes.hpp"
#include "gostcsp/kdf.hpp"
#include "gostcsp/kexp15.hpp"
#include "gostcsp/keywrap.hpp"
#include "gostcsp/secure.hpp"
#include "module.hpp"
#include "object_codec.hpp"
#include "op_util.hpp"
#include "rv_map.hpp"
#include "secret_keys.hpp"
#include "symmetric_ops.hpp"

namespace gostcsp::p11 {
namespace {

constexpr std::size_t max_kdf_tree_bytes = 4096;  // ulL: the whole KDF_TREE output computed

std::span<const std::uint8_t> param_bytes(const CK_MECHANISM& mech) {
    check(mech.pParameter != nullptr || mech.ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    return {static_cast<const std::uint8_t*>(mech.pParameter),
            static_cast<std::size_t>(mech.ulParameterLen)};
}

// The class in a key template, if given, must be CKO_SECRET_KEY; the key type defaults.
AttrMap secret_template(const CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_KEY_TYPE default_type) {
    AttrMap attrs = parse_template(tmpl, count, cls_secret, TemplateUse::generate);
    check(attr_ulong(attrs, CKA_CLASS, CKO_SECRET_KEY) == CKO_SECRET_KEY,
          CKR_TEMPLATE_INCONSISTENT);
    if (attrs.count(CKA_KEY_TYPE) == 0) attrs[CKA_KEY_TYPE] = ulong_bytes(default_type);
    return attrs;
}

// The two KExp15 keys of a twin (K_Exp_MAC | K_Exp_ENC, 64 bytes) for `alg`.
void check_twin(const keystore::Object& o, SymAlg alg, CK_RV type_rv) {
    const CK_KEY_TYPE twin =
        alg == SymAlg::kuznyechik ? CKK_KUZNECHIK_TWIN_KEY : CKK_MAGMA_TWIN_KEY;
    check(o.object_class == CKO_SECRET_KEY &&
              (o.key_type == twin || o.key_type == CKK_GENERIC_SECRET),
          type_rv);
}

core::Kexp15Cipher kexp_cipher(SymAlg alg) {
    return alg == SymAlg::kuznyechik ? core::Kexp15Cipher::kuznyechik : core::Kexp15Cipher::magma;
}

}  // namespace

CK_OBJECT_HANDLE Module::store_secret(const Session& s, AttrMap attrs, const Bytes& value,
                                      keystore::SecretOrigin origin, bool local) {
    attrs[CKA_CLASS] = ulong_bytes(CKO_SECRET_KEY);
    attrs[CKA_VALUE_LEN] = ulong_bytes(value.size());
    attrs[CKA_LOCAL] = bool_bytes(local);
    NewObject n = prepare_new_object(std::move(attrs), cls_secret,
                                     local ? ObjectOrigin::generated : ObjectOrigin::derived);
    check_write(s, n.object.is_token);
    if (!user_logged_in(s.slot)) fail(CKR_USER_NOT_LOGGED_IN);  // secret keys are private
    return store_new(
        s, token_of(s.slot)->create_object(n.object, {value.data(), value.size()}, origin));
}

// ---- C_GenerateKey ----

void Module::generate_key(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_ATTRIBUTE* tmpl,
                          CK_ULONG count, CK_OBJECT_HANDLE* out) {
    check(mech != nullptr && out != nullptr && (tmpl != nullptr || count == 0), CKR_ARGUMENTS_BAD);
    auto s = session(h);
    const MechInfo* m = find_mechanism(mech->mechanism);
    check(m != nullptr && m->kind == MechKind::secret_keygen, CKR_MECHANISM_INVALID);
    check(mech->pParameter == nullptr && mech->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    const CK_KEY_TYPE kt = key_type_for(m->alg);
    AttrMap attrs = secret_template(tmpl, count, kt);
    check(attr_ulong(attrs, CKA_KEY_TYPE, kt) == kt, CKR_TEMPLATE_INCONSISTENT);
    check(attr_ulong(attrs, CKA_VALUE_LEN, 32) == 32, CKR_TEMPLATE_INCONSISTENT);
    attrs[CKA_KEY_GEN_MECHANISM] = ulong_bytes(m->type);
    Bytes value(core::block_cipher_key_bytes);
    check(RAND_priv_bytes(value.data(), static_cast<int>(value.size())) == 1, CKR_FUNCTION_FAILED);
    *out = store_secret(*s, std::move(attrs), value, {true, true}, true);
}

// ---- C_WrapKey (after crypto_ops.cpp checked the key to wrap) ----

void Module::wrap_symmetric(Session& s, const CK_MECHANISM* mech, CK_OBJECT_HANDLE wrapping,
                            const keystore::Object& target, ObjectRef target_ref, CK_BYTE* out,
                            CK_ULONG* out_len) {
    ObjectRef wref{};
    keystore::Object w = read_key(s, wrapping, &wref, CKR_WRAPPING_KEY_HANDLE_INVALID);
    const MechInfo* m = find_mechanism(mech->mechanism);
    check(m != nullptr && (m->info.flags & CKF_WRAP) != 0, CKR_MECHANISM_INVALID);
    check(target.object_class == CKO_SECRET_KEY, CKR_KEY_NOT_WRAPPABLE);
    check(usage_allowed(w, CKA_WRAP), CKR_KEY_FUNCTION_NOT_PERMITTED);
    if (attr_bool(attrs_from_keystore(target), CKA_WRAP_WITH_TRUSTED, false))
        check(attr_bool(attrs_from_keystore(w), CKA_TRUSTED, false), CKR_KEY_NOT_WRAPPABLE);
    auto token = token_of(s.slot);
    auto param = param_bytes(*mech);
    if (m->kind == MechKind::kexp15_wrap) {
        const std::size_t n = block_bytes_of(m->alg);
        check(param.size() == n / 2, CKR_MECHANISM_PARAM_INVALID);  // the IV
        check_twin(w, m->alg, CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
        auto kw = ks_value(token->secret_for_use(wref.handle));
        check(kw.size() == 2 * core::kexp15_key_bytes, CKR_WRAPPING_KEY_SIZE_RANGE);
        auto value = ks_value(token->secret_for_use(target_ref.handle));
        check(!value.empty() && value.size() <= core::kexp15_max_secret_bytes,
              CKR_KEY_NOT_WRAPPABLE);
        if (!output_ready(out, out_len, value.size() + n)) return;
        auto k = kw.span();
        core_check(core::kexp15(kexp_cipher(m->alg), value.span(), k.first(32), k.subspan(32),
                                param, {out, value.size() + n}));
        *out_len = value.size() + n;
        return;
    }
    check(m->kind == MechKind::gost28147_wrap, CKR_MECHANISM_INVALID);
    check(param.empty() || param.size() == core::keywrap_ukm_bytes, CKR_MECHANISM_PARAM_INVALID);
    check(w.object_class == CKO_SECRET_KEY && w.key_type == CKK_GOST28147,
          CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
    auto kek = ks_value(token->secret_for_use(wref.handle));
    check(kek.size() == core::keywrap_key_bytes, CKR_WRAPPING_KEY_SIZE_RANGE);
    auto value = ks_value(token->secret_for_use(target_ref.handle));
    check(value.size() == core::keywrap_key_bytes, CKR_KEY_NOT_WRAPPABLE);
    if (!output_ready(out, out_len, core::keywrap_wrapped_bytes)) return;
    std::uint8_t ukm[core::keywrap_ukm_bytes];
    if (param.empty())  // PKCS#11: without a parameter the UKM is random
        check(RAND_bytes(ukm, sizeof ukm) == 1, CKR_FUNCTION_FAILED);
    else
        std::memcpy(ukm, param.data(), sizeof ukm);
    core_check(core::cryptopro_key_wrap(gost28147_params_of(w), kek.span(), ukm, value.span(),
                                        {out, core::keywrap_wrapped_bytes}));
    *out_len = core::keywrap_wrapped_bytes;
}

// ---- C_UnwrapKey ----

void Module::unwrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE unwrapping,
                        const CK_BYTE* wrapped, CK_ULONG wrapped_len, CK_ATTRIBUTE* tmpl,
                        CK_ULONG count, CK_OBJECT_HANDLE* out) {
    check(mech != nullptr && out != nullptr && (tmpl != nullptr || count == 0) &&
              (wrapped != nullptr || wrapped_len == 0),
          CKR_ARGUMENTS_BAD);
    auto s = session(h);
    const MechInfo* m = find_mechanism(mech->mechanism);
    check(m != nullptr && (m->info.flags & CKF_UNWRAP) != 0, CKR_MECHANISM_INVALID);
    ObjectRef uref{};
    keystore::Object u = read_key(*s, unwrapping, &uref, CKR_UNWRAPPING_KEY_HANDLE_INVALID);
    check(usage_allowed(u, CKA_UNWRAP), CKR_KEY_FUNCTION_NOT_PERMITTED);
    auto param = param_bytes(*mech);
    AttrMap attrs = secret_template(tmpl, count, CKK_GENERIC_SECRET);
    auto token = token_of(s->slot);
    std::span<const std::uint8_t> in{wrapped, static_cast<std::size_t>(wrapped_len)};
    Bytes value;
    if (m->kind == MechKind::kexp15_wrap) {
        const std::size_t n = block_bytes_of(m->alg);
        check(param.size() == n / 2, CKR_MECHANISM_PARAM_INVALID);
        check_twin(u, m->alg, CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
        auto ku = ks_value(token->secret_for_use(uref.handle));
        check(ku.size() == 2 * core::kexp15_key_bytes, CKR_UNWRAPPING_KEY_SIZE_RANGE);
        check(in.size() > n && in.size() <= core::kexp15_max_secret_bytes + n,
              CKR_WRAPPED_KEY_LEN_RANGE);
        value.resize(in.size() - n);
        auto k = ku.span();
        const core::Status st =
            core::kimp15(kexp_cipher(m->alg), in, k.first(32), k.subspan(32), param, value);
        check(st != core::Status::auth_failed, CKR_WRAPPED_KEY_INVALID);
        core_check(st);
    } else {
        check(m->kind == MechKind::gost28147_wrap, CKR_MECHANISM_INVALID);
        check(param.empty() || param.size() == core::keywrap_ukm_bytes,
              CKR_MECHANISM_PARAM_INVALID);
        check(u.object_class == CKO_SECRET_KEY && u.key_type == CKK_GOST28147,
              CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
        auto kek = ks_value(token->secret_for_use(uref.handle));
        check(kek.size() == core::keywrap_key_bytes, CKR_UNWRAPPING_KEY_SIZE_RANGE);
        check(in.size() == core::keywrap_wrapped_bytes, CKR_WRAPPED_KEY_LEN_RANGE);
        // A UKM given as the parameter must be the one the wrapped key carries.
        check(param.empty() || std::memcmp(param.data(), in.data(), param.size()) == 0,
              CKR_WRAPPED_KEY_INVALID);
        value.resize(core::keywrap_key_bytes);
        const core::Status st =
            core::cryptopro_key_unwrap(gost28147_params_of(u), kek.span(), in, value);
        check(st != core::Status::auth_failed, CKR_WRAPPED_KEY_INVALID);
        core_check(st);
    }
    // The template may name the length; it must be the unwrapped one.
    check(attr_ulong(attrs, CKA_VALUE_LEN, value.size()) == value.size(),
          CKR_TEMPLATE_INCONSISTENT);
    // Unwrapped keys have been outside the token: not always sensitive, not never extractable.
    *out = store_secret(*s, std::move(attrs), value, {}, false);
}

// ---- C_DeriveKey with CKM_KDF_TREE_GOSTR3411_2012_256 (hook of derive_key) ----

CK_OBJECT_HANDLE Module::derive_kdf_tree(Session& s, const CK_MECHANISM* mech,
                                         CK_OBJECT_HANDLE base, CK_ATTRIBUTE* tmpl,
                                         CK_ULONG count) {
    check(mech->pParameter != nullptr && mech->ulParameterLen == sizeof(CK_KDF_TREE_GOST_PARAMS),
          CKR_MECHANISM_PARAM_INVALID);
    CK_KDF_TREE_GOST_PARAMS p;
    std::memcpy(&p, mech->pParameter, sizeof p);
    check((p.pLabel != nullptr || p.ulLabelLength == 0) &&
              (p.pSeed != nullptr || p.ulSeedLength == 0),
          CKR_MECHANISM_PARAM_INVALID);
    check(p.ulR >= 1 && p.ulR <= 4 && p.ulL >= 1 && p.ulL <= max_kdf_tree_bytes,
          CKR_MECHANISM_PARAM_INVALID);
    ObjectRef ref{};
    keystore::Object o = read_key(s, base, &ref);
    check(o.object_class == CKO_SECRET_KEY, CKR_KEY_TYPE_INCONSISTENT);
    check(usage_allowed(o, CKA_DERIVE), CKR_KEY_FUNCTION_NOT_PERMITTED);
    AttrMap attrs = secret_template(tmpl, count, CKK_GENERIC_SECRET);
    const SecretKeyType* t = find_secret_key_type(attr_ulong(attrs, CKA_KEY_TYPE, 0));
    check(t != nullptr, CKR_ATTRIBUTE_VALUE_INVALID);
    const CK_ULONG want = attr_ulong(attrs, CKA_VALUE_LEN, t->default_bytes);
    check(want >= 1 && p.ulOffset <= p.ulL && want <= p.ulL - p.ulOffset,
          CKR_MECHANISM_PARAM_INVALID);
    auto key = ks_value(token_of(s.slot)->secret_for_use(ref.handle));
    Bytes tree(p.ulL);
    // bad_length: more blocks than an R-byte counter numbers.
    check(core::kdf_tree_gostr3411_2012_256(key.span(), {p.pLabel, p.ulLabelLength},
                                            {p.pSeed, p.ulSeedLength}, static_cast<unsigned>(p.ulR),
                                            tree) == core::Status::ok,
          CKR_MECHANISM_PARAM_INVALID);
    Bytes value(tree.begin() + static_cast<std::ptrdiff_t>(p.ulOffset),
                tree.begin() + static_cast<std::ptrdiff_t>(p.ulOffset + want));
    return store_secret(s, std::move(attrs), value, origin_from(o), false);
}

}  // namespace gostcsp::p11
