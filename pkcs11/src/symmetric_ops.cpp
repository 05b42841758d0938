// SPDX-License-Identifier: Apache-2.0
// C_Encrypt*/C_Decrypt* with Kuznyechik, Magma and GOST 28147-89 (ECB, CTR-ACPKM, MGM, 28147
// CFB/CNT) and the cipher MACs of C_Sign/C_Verify (OMAC, 28147 IMIT). Keys are used in place:
// their values come from the keystore into the operation's cipher object and never reach the
// application.
#include "symmetric_ops.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "attributes.hpp"
#include "gostcsp/acpkm.hpp"
#include "gostcsp/gost28147.hpp"
#include "gostcsp/kuznyechik.hpp"
#include "gostcsp/magma.hpp"
#include "gostcsp/mgm.hpp"
#include "gostcsp/modes.hpp"
#include "object_codec.hpp"
#include "op_util.hpp"
#include "rv_map.hpp"
#include "secret_keys.hpp"

namespace gostcsp::p11 {

// One keyed cipher and the mode state around it. Lives behind a unique_ptr (the modes keep a
// reference to the cipher, so it never moves).
struct SymContext {
    SymAlg alg = SymAlg::none;
    MechKind kind = MechKind::cipher_ecb;
    bool encrypt = true;
    core::Kuznyechik kz;
    core::Magma mg;
    core::Gost28147 g89;
    std::optional<core::CtrAcpkm<core::Kuznyechik>> acpkm_k;
    std::optional<core::CtrAcpkm<core::Magma>> acpkm_m;
    std::optional<core::Omac> omac;
    std::optional<core::Gost28147Imit> imit;
    std::optional<core::Gost28147Cfb> cfb;
    std::optional<core::Gost28147Cnt> cnt;
    std::size_t mac_bytes = 0;
    std::size_t tag_bytes = 0;  // MGM
    Bytes nonce, aad;           // MGM
    Bytes buf;                  // ECB: the partial block; MGM: the whole text (one-shot at final)

    const core::BlockCipher& cipher() const noexcept {
        switch (alg) {
            case SymAlg::kuznyechik:
                return kz;
            case SymAlg::magma:
                return mg;
            default:
                return g89;
        }
    }
    std::size_t block() const noexcept { return cipher().block_size(); }
};

void SymContextDeleter::operator()(SymContext* c) const noexcept {
    delete c;
}

CK_KEY_TYPE key_type_for(SymAlg alg) noexcept {
    switch (alg) {
        case SymAlg::kuznyechik:
            return CKK_KUZNECHIK;
        case SymAlg::magma:
            return CKK_MAGMA;
        case SymAlg::gost28147:
            return CKK_GOST28147;
        case SymAlg::none:
            break;
    }
    return CK_UNAVAILABLE_INFORMATION;
}

std::size_t block_bytes_of(SymAlg alg) noexcept {
    return alg == SymAlg::kuznyechik ? 16 : 8;
}

std::size_t sym_mac_bytes(const SymContext& c) noexcept {
    return c.mac_bytes;
}

void sym_mac_update(SymContext& c, std::span<const std::uint8_t> data) {
    if (c.omac)
        c.omac->update(data);
    else if (c.imit)
        c.imit->update(data);
    else
        fail(CKR_OPERATION_NOT_INITIALIZED);
}

void sym_mac_final(SymContext& c, std::span<std::uint8_t> out) {
    core_check(c.omac ? c.omac->final(out) : c.imit->final(out));
}

namespace {

// gost-engine's default ACPKM sections (kuznyechik-ctr-acpkm / magma-ctr-acpkm).
constexpr std::size_t default_section(SymAlg alg) {
    return alg == SymAlg::kuznyechik ? 4096 : 1024;
}

void no_param(const CK_MECHANISM& mech) {
    check(mech.pParameter == nullptr && mech.ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
}

std::span<const std::uint8_t> param_bytes(const CK_MECHANISM& mech) {
    check(mech.pParameter != nullptr || mech.ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    return {static_cast<const std::uint8_t*>(mech.pParameter),
            static_cast<std::size_t>(mech.ulParameterLen)};
}

template <class T>
T param_struct(const CK_MECHANISM& mech) {
    check(mech.pParameter != nullptr && mech.ulParameterLen == sizeof(T),
          CKR_MECHANISM_PARAM_INVALID);
    T t;
    std::memcpy(&t, mech.pParameter, sizeof t);
    return t;
}

std::span<const std::uint8_t> field(const CK_BYTE* p, CK_ULONG n) {
    check(p != nullptr || n == 0, CKR_MECHANISM_PARAM_INVALID);
    return {p, static_cast<std::size_t>(n)};
}

// A fresh context keyed with `key` (32 bytes, else CKR_KEY_SIZE_RANGE).
std::unique_ptr<SymContext, SymContextDeleter> keyed_context(SymAlg alg, MechKind kind,
                                                             std::span<const std::uint8_t> key,
                                                             core::Gost28147ParamSet set) {
    check(key.size() == core::block_cipher_key_bytes, CKR_KEY_SIZE_RANGE);
    std::unique_ptr<SymContext, SymContextDeleter> c(new SymContext);
    c->alg = alg;
    c->kind = kind;
    if (alg == SymAlg::gost28147) c->g89 = core::Gost28147(set);
    core::Status st = core::Status::ok;
    switch (alg) {
        case SymAlg::kuznyechik:
            st = c->kz.set_key(key);
            break;
        case SymAlg::magma:
            st = c->mg.set_key(key);
            break;
        case SymAlg::gost28147:
            st = c->g89.set_key(key);
            break;
        case SymAlg::none:
            fail(CKR_MECHANISM_INVALID);
    }
    check(st == core::Status::ok, CKR_KEY_SIZE_RANGE);
    return c;
}

// Reads the key of an operation: a secret key of the cipher's type that allows `usage`. The
// value stays in the keystore's locked memory until the cipher object holds its round keys.
keystore::SecureBytes cipher_key_value(keystore::Token& token, const keystore::Object& o,
                                       ObjectRef ref, SymAlg alg, CK_ATTRIBUTE_TYPE usage) {
    check(o.object_class == CKO_SECRET_KEY && o.key_type == key_type_for(alg),
          CKR_KEY_TYPE_INCONSISTENT);
    check(usage_allowed(o, usage), CKR_KEY_FUNCTION_NOT_PERMITTED);
    return ks_value(token.secret_for_use(ref.handle));
}

// Mode set-up from the mechanism parameter.
void start_cipher(SymContext& c, const CK_MECHANISM& mech, bool encrypt) {
    c.encrypt = encrypt;
    const std::size_t n = c.block();
    switch (c.kind) {
        case MechKind::cipher_ecb:
            no_param(mech);
            return;
        case MechKind::cipher_ctr_acpkm: {
            std::span<const std::uint8_t> icn;
            std::size_t section = default_section(c.alg);
            if (mech.ulParameterLen == sizeof(CK_GOSTCSP_CTR_ACPKM_PARAMS)) {
                auto p = param_struct<CK_GOSTCSP_CTR_ACPKM_PARAMS>(mech);
                icn = field(p.pIv, p.ulIvLen);
                section = p.ulSectionBytes;
            } else {
                icn = param_bytes(mech);
            }
            check(icn.size() == n / 2 && section != 0 && section % n == 0,
                  CKR_MECHANISM_PARAM_INVALID);
            core::Status st = core::Status::ok;
            if (c.alg == SymAlg::kuznyechik)
                st = c.acpkm_k.emplace(c.kz, section).start(icn);
            else
                st = c.acpkm_m.emplace(c.mg, section).start(icn);
            check(st == core::Status::ok, CKR_MECHANISM_PARAM_INVALID);
            return;
        }
        case MechKind::cipher_mgm: {
            auto p = param_struct<CK_GOSTCSP_MGM_PARAMS>(mech);
            auto nonce = field(p.pNonce, p.ulNonceLen);
            auto aad = field(p.pAAD, p.ulAADLen);
            check(nonce.size() == n && (nonce[0] & 0x80) == 0, CKR_MECHANISM_PARAM_INVALID);
            check(p.ulTagBits % 8 == 0 && p.ulTagBits >= 32 && p.ulTagBits <= 8 * n,
                  CKR_MECHANISM_PARAM_INVALID);
            c.nonce.assign(nonce.begin(), nonce.end());
            c.aad.assign(aad.begin(), aad.end());
            c.tag_bytes = p.ulTagBits / 8;
            return;
        }
        case MechKind::gost28147_stream: {
            auto iv = param_bytes(mech);
            const std::uint8_t zero[8] = {};
            if (iv.empty()) iv = zero;  // PKCS#11: an absent IV is all zeros
            check(iv.size() == 8, CKR_MECHANISM_PARAM_INVALID);
            // RFC 4357 §10.2 parameter sets: the test set is CNT, the CryptoPro sets (and tc26
            // Z, as gost-engine's gost89) CFB; key meshing as the set says.
            core::Status st;
            if (c.g89.param_set() == core::Gost28147ParamSet::test)
                st = c.cnt.emplace(c.g89).start(iv);
            else
                st = c.cfb.emplace(c.g89).start(iv, encrypt);
            check(st == core::Status::ok, CKR_MECHANISM_PARAM_INVALID);
            return;
        }
        default:
            fail(CKR_MECHANISM_INVALID);
    }
}

void stream_process(SymContext& c, const std::uint8_t* in, std::uint8_t* out, std::size_t len) {
    if (len == 0) return;
    std::span<const std::uint8_t> i{in, len};
    std::span<std::uint8_t> o{out, len};
    core::Status st;
    if (c.acpkm_k)
        st = c.acpkm_k->process(i, o);
    else if (c.acpkm_m)
        st = c.acpkm_m->process(i, o);
    else if (c.cnt)
        st = c.cnt->process(i, o);
    else
        st = c.cfb->process(i, o);
    core_check(st);
}

void ecb_blocks(SymContext& c, const std::uint8_t* in, std::uint8_t* out, std::size_t len) {
    if (len == 0) return;
    core_check(c.encrypt ? core::ecb_encrypt(c.cipher(), {in, len}, {out, len})
                         : core::ecb_decrypt(c.cipher(), {in, len}, {out, len}));
}

CK_RV length_rv(const SymContext& c) {
    return c.encrypt ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
}

// MGM over the whole text: ct | tag on encryption, pt after the tag checks on decryption.
std::size_t mgm_output(const SymContext& c, std::size_t text) {
    if (c.encrypt) return text + c.tag_bytes;
    check(text >= c.tag_bytes, CKR_ENCRYPTED_DATA_LEN_RANGE);
    return text - c.tag_bytes;
}

std::size_t mgm_run(SymContext& c, std::span<const std::uint8_t> text, std::uint8_t* out) {
    core::Mgm mgm(c.cipher());
    core::Status st;
    if (c.encrypt) {
        const std::size_t len = text.size();
        Bytes tmp(len + c.tag_bytes);
        st = mgm.encrypt(c.nonce, c.aad, text, {tmp.data(), len}, {tmp.data() + len, c.tag_bytes});
        check(st != core::Status::bad_length && st != core::Status::limit_exceeded,
              CKR_DATA_LEN_RANGE);
        core_check(st);
        std::memcpy(out, tmp.data(), tmp.size());
        return tmp.size();
    }
    const std::size_t len = text.size() - c.tag_bytes;
    Bytes pt(len);
    st = mgm.decrypt(c.nonce, c.aad, text.first(len), text.subspan(len), pt);
    check(st != core::Status::bad_length && st != core::Status::limit_exceeded,
          CKR_ENCRYPTED_DATA_LEN_RANGE);
    core_check(st);  // auth_failed → CKR_ENCRYPTED_DATA_INVALID, nothing released
    if (len != 0) std::memcpy(out, pt.data(), len);
    return len;
}

std::optional<Operation>& crypt_slot(Session& s, bool encrypt) {
    return encrypt ? s.encrypt : s.decrypt;
}

}  // namespace

// ---- key lookup shared by the symmetric calls ----

keystore::Object Module::read_key(const Session& s, CK_OBJECT_HANDLE key, ObjectRef* ref,
                                  CK_RV invalid_rv) {
    try {
        return read_object(s, key, ref);
    } catch (const P11Error& e) {
        if (e.rv() == CKR_OBJECT_HANDLE_INVALID) fail(invalid_rv);
        throw;
    }
}

// ---- C_EncryptInit / C_DecryptInit ----

void Module::crypt_init(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE key,
                        bool encrypt) {
    check(mech != nullptr, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    Guard sg(s->mutex);
    auto& slot_op = crypt_slot(*s, encrypt);
    check(!slot_op.has_value(), CKR_OPERATION_ACTIVE);
    const MechInfo* m = find_mechanism(mech->mechanism);
    check(m != nullptr && (m->info.flags & (encrypt ? CKF_ENCRYPT : CKF_DECRYPT)) != 0,
          CKR_MECHANISM_INVALID);
    ObjectRef ref{};
    keystore::Object o = read_key(*s, key, &ref);
    auto token = token_of(s->slot);
    auto value = cipher_key_value(*token, o, ref, m->alg, encrypt ? CKA_ENCRYPT : CKA_DECRYPT);
    auto set =
        m->alg == SymAlg::gost28147 ? gost28147_params_of(o) : core::Gost28147ParamSet::cryptopro_a;
    Operation op;
    op.mech = m;
    op.slot = s->slot;
    op.key = ref.handle;
    op.token = token;
    op.sym = keyed_context(m->alg, m->kind, value.span(), set);
    start_cipher(*op.sym, *mech, encrypt);
    slot_op = std::move(op);
}

// ---- C_Encrypt / C_Decrypt (single part) ----

void Module::crypt(CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG len, CK_BYTE* out,
                   CK_ULONG* out_len, bool encrypt) {
    auto s = session(h);
    Guard sg(s->mutex);
    auto& op = crypt_slot(*s, encrypt);
    check(op.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    OpScope scope(op);
    check(out_len != nullptr && (in != nullptr || len == 0), CKR_ARGUMENTS_BAD);
    check(!op->multipart, CKR_OPERATION_ACTIVE);
    SymContext& c = *op->sym;
    std::size_t need = len;
    if (c.kind == MechKind::cipher_ecb) check(len % c.block() == 0, length_rv(c));
    if (c.kind == MechKind::cipher_mgm) need = mgm_output(c, len);
    run_keeping_on_short_buffer(scope, [&] {
        if (!output_ready(out, out_len, need)) return false;
        if (c.kind == MechKind::cipher_mgm)
            *out_len = mgm_run(c, {in, static_cast<std::size_t>(len)}, out);
        else if (c.kind == MechKind::cipher_ecb)
            ecb_blocks(c, in, out, len);
        else
            stream_process(c, in, out, len);
        if (c.kind != MechKind::cipher_mgm) *out_len = len;
        return true;
    });
}

// ---- C_EncryptUpdate / C_DecryptUpdate ----

void Module::crypt_update(CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG len, CK_BYTE* out,
                          CK_ULONG* out_len, bool encrypt) {
    auto s = session(h);
    Guard sg(s->mutex);
    auto& op = crypt_slot(*s, encrypt);
    check(op.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    OpScope scope(op);
    check(out_len != nullptr && (in != nullptr || len == 0), CKR_ARGUMENTS_BAD);
    op->multipart = true;
    SymContext& c = *op->sym;
    std::size_t need = len;
    if (c.kind == MechKind::cipher_mgm) need = 0;  // MGM answers at the final step
    if (c.kind == MechKind::cipher_ecb) need = (c.buf.size() + len) / c.block() * c.block();
    run_keeping_on_short_buffer(scope, [&] {
        if (!output_ready(out, out_len, need)) return false;
        if (c.kind == MechKind::cipher_mgm) {
            c.buf.insert(c.buf.end(), in, in + len);
        } else if (c.kind == MechKind::cipher_ecb) {
            // Whole blocks out; the tail waits for the next call.
            Bytes all(c.buf);
            all.insert(all.end(), in, in + len);
            ecb_blocks(c, all.data(), out, need);
            c.buf.assign(all.begin() + static_cast<std::ptrdiff_t>(need), all.end());
        } else {
            stream_process(c, in, out, len);
        }
        *out_len = need;
        return true;
    });
    scope.keep();
}

// ---- C_EncryptFinal / C_DecryptFinal ----

void Module::crypt_final(CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG* out_len, bool encrypt) {
    auto s = session(h);
    Guard sg(s->mutex);
    auto& op = crypt_slot(*s, encrypt);
    check(op.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    OpScope scope(op);
    check(out_len != nullptr, CKR_ARGUMENTS_BAD);
    SymContext& c = *op->sym;
    std::size_t need = 0;
    if (c.kind == MechKind::cipher_ecb) check(c.buf.empty(), length_rv(c));
    if (c.kind == MechKind::cipher_mgm) need = mgm_output(c, c.buf.size());
    run_keeping_on_short_buffer(scope, [&] {
        if (!output_ready(out, out_len, need)) return false;
        *out_len = c.kind == MechKind::cipher_mgm ? mgm_run(c, c.buf, out) : 0;
        return true;
    });
}

// ---- cipher MACs for C_SignInit / C_VerifyInit (hook of init_operation) ----

void Module::init_cipher_mac(Session& s, Operation& op, const MechInfo* m, const CK_MECHANISM* mech,
                             CK_OBJECT_HANDLE key, bool for_sign) {
    ObjectRef ref{};
    keystore::Object o = read_key(s, key, &ref);
    auto token = token_of(s.slot);
    auto value = cipher_key_value(*token, o, ref, m->alg, for_sign ? CKA_SIGN : CKA_VERIFY);
    auto set =
        m->alg == SymAlg::gost28147 ? gost28147_params_of(o) : core::Gost28147ParamSet::cryptopro_a;
    auto c = keyed_context(m->alg, m->kind, value.span(), set);
    if (m->alg == SymAlg::gost28147) {
        // PKCS#11: an optional 8-byte IV (absent: zeros); a 4-byte MAC; the set's key meshing.
        auto iv = param_bytes(*mech);
        check(iv.empty() || iv.size() == 8, CKR_MECHANISM_PARAM_INVALID);
        c->imit.emplace(c->g89);
        if (!iv.empty()) core_check(c->imit->set_iv(iv));
        c->mac_bytes = 4;
    } else {
        // No parameter: the full block (n bytes); or a CK_ULONG MAC length 1..n.
        c->mac_bytes = c->block();
        if (mech->ulParameterLen != 0 || mech->pParameter != nullptr) {
            auto len = param_struct<CK_ULONG>(*mech);
            check(len >= 1 && len <= c->block(), CKR_MECHANISM_PARAM_INVALID);
            c->mac_bytes = len;
        }
        c->omac.emplace(c->cipher());
    }
    op.mech = m;
    op.slot = s.slot;
    op.key = ref.handle;
    op.token = token;
    op.sym = std::move(c);
}

}  // namespace gostcsp::p11
