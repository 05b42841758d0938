// SPDX-License-Identifier: Apache-2.0
// The GOST TLS 1.2 record ciphers for libssl 3.0: kuznyechik-ctr-acpkm and magma-ctr-acpkm as
// legacy EVP_CIPHERs (libssl takes them from an ENGINE that registers them, by NID) with the
// per-record control EVP_CTRL_TLSTREE of RFC 9189 §8.1: K_i = TLSTREE(K, seqnum) and
// IV_i = (IV + seqnum) mod 2^(n/2), the CTR-ACPKM stream restarting at every record. Also the
// engine's cipher/digest callbacks and init(). gost89-cnt-12 (28147 CNT, tc26-Z, key meshing)
// serves the kGOST suites.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/err.h>
#include <openssl/objects.h>

#include <cstring>
#include <mutex>
#include <new>
#include <optional>

#include "bridge.hpp"
#include "gostcsp/acpkm.hpp"
#include "gostcsp/gost28147.hpp"
#include "gostcsp/kuznyechik.hpp"
#include "gostcsp/magma.hpp"
#include "gostcsp/secure.hpp"
#include "gostcsp/tlstree.hpp"
#include "tls.hpp"

namespace gostcsp::engine::tls {
namespace {

namespace core = gostcsp::core;
constexpr std::size_t kKeyBytes = 32;

struct CipherStateBase {
    virtual ~CipherStateBase() = default;
    virtual CipherStateBase* clone() const noexcept = 0;
    virtual bool set_key(const unsigned char* key) noexcept = 0;
    virtual bool set_iv(const unsigned char* iv) noexcept = 0;
    virtual bool tlstree(std::uint64_t seq) noexcept = 0;
    virtual bool process(unsigned char* out, const unsigned char* in, std::size_t len) noexcept = 0;
    virtual bool set_section(std::size_t bytes) noexcept = 0;
};

// Section sizes of CTR-ACPKM in these suites: 4 KiB (Kuznyechik), 1 KiB (Magma), as gost-engine's
// kuznyechik-ctr-acpkm / magma-ctr-acpkm and the provider's ciphers of those names.
template <class Cipher, core::TlsTreeSuite Suite, std::size_t DefaultSection>
struct CtrAcpkmState final : CipherStateBase {
    static constexpr std::size_t n = Cipher::block_bytes;
    static constexpr std::size_t iv_bytes = n / 2;

    CipherStateBase* clone() const noexcept override {
        return new (std::nothrow) CtrAcpkmState(*this);
    }
    bool set_key(const unsigned char* key) noexcept override {
        std::memcpy(root.data(), key, kKeyBytes);
        tree.emplace(Suite, root.span());
        have_key = true;
        return restart(root.data(), iv0);
    }
    bool set_iv(const unsigned char* iv) noexcept override {
        std::memcpy(iv0, iv, iv_bytes);
        have_iv = true;
        return restart(root.data(), iv0);
    }
    bool tlstree(std::uint64_t seq) noexcept override {
        if (!have_key || !have_iv) return false;
        core::SecretBytes<kKeyBytes> k;
        tree->derive(seq, k.span());
        // IV + seqnum mod 2^(8 * iv_bytes), big-endian.
        std::uint8_t iv[iv_bytes];
        unsigned carry = 0;
        for (std::size_t j = iv_bytes; j-- > 0;) {
            const unsigned v =
                iv0[j] + static_cast<unsigned>((seq >> (8 * (iv_bytes - 1 - j))) & 0xff) + carry;
            iv[j] = static_cast<std::uint8_t>(v);
            carry = v >> 8;
        }
        return restart(k.data(), iv);
    }
    bool process(unsigned char* out, const unsigned char* in, std::size_t len) noexcept override {
        if (!ctr.has_value()) return false;
        return core::ok(ctr->process({in, len}, {out, len}));
    }
    bool set_section(std::size_t bytes) noexcept override {
        if (bytes == 0 || bytes % n != 0) return false;
        section = bytes;
        return restart(root.data(), iv0);
    }

    bool restart(const unsigned char* key, const unsigned char* iv) noexcept {
        if (!have_key || !have_iv) return true;  // the other half comes later
        const Cipher c(std::span<const std::uint8_t, kKeyBytes>(key, kKeyBytes));
        ctr.emplace(c, section);
        return core::ok(ctr->start({iv, iv_bytes}));
    }

    core::SecretBytes<kKeyBytes> root;
    std::optional<core::TlsTree> tree;
    std::uint8_t iv0[iv_bytes] = {};
    bool have_key = false, have_iv = false;
    std::size_t section = DefaultSection;
    std::optional<core::CtrAcpkm<Cipher>> ctr;
};

// gost89-cnt-12: GOST 28147-89 counter mode with the tc26-Z S-boxes and CryptoPro key meshing
// every 1 KiB (RFC 9189 §4.1, TLS_GOSTR341112_256_WITH_28147_CNT_IMIT); one stream across the
// records of a connection, no TLSTREE.
struct CntState final : CipherStateBase {
    CipherStateBase* clone() const noexcept override { return new (std::nothrow) CntState(*this); }
    bool set_key(const unsigned char* key) noexcept override {
        std::memcpy(root.data(), key, kKeyBytes);
        have_key = true;
        return restart();
    }
    bool set_iv(const unsigned char* v) noexcept override {
        std::memcpy(iv, v, sizeof(iv));
        have_iv = true;
        return restart();
    }
    bool tlstree(std::uint64_t) noexcept override { return false; }
    bool process(unsigned char* out, const unsigned char* in, std::size_t len) noexcept override {
        return cnt.has_value() && core::ok(cnt->process({in, len}, {out, len}));
    }
    bool set_section(std::size_t) noexcept override { return false; }
    bool restart() noexcept {
        if (!have_key || !have_iv) return true;
        const core::Gost28147 c(std::span<const std::uint8_t, kKeyBytes>(root.data(), kKeyBytes),
                                core::Gost28147ParamSet::tc26_z);
        cnt.emplace(c);
        return core::ok(cnt->start({iv, sizeof(iv)}, true));
    }
    core::SecretBytes<kKeyBytes> root;
    std::uint8_t iv[8] = {};
    bool have_key = false, have_iv = false;
    std::optional<core::Gost28147Cnt> cnt;
};

struct CipherKind {
    int nid;
    int iv_len;
    CipherStateBase* (*make)() noexcept;
};
template <class S>
CipherStateBase* make_state() noexcept {
    return new (std::nothrow) S();
}
const CipherKind kCiphers[] = {
    {NID_kuznyechik_ctr_acpkm, 8,
     &make_state<CtrAcpkmState<core::Kuznyechik, core::TlsTreeSuite::kuznyechik_ctr_omac, 4096>>},
    {NID_magma_ctr_acpkm, 4,
     &make_state<CtrAcpkmState<core::Magma, core::TlsTreeSuite::magma_ctr_omac, 1024>>},
    {NID_gost89_cnt_12, 8, &make_state<CntState>},
};
constexpr std::size_t kCipherCount = sizeof(kCiphers) / sizeof(kCiphers[0]);
const int kCipherNids[kCipherCount] = {NID_kuznyechik_ctr_acpkm, NID_magma_ctr_acpkm,
                                       NID_gost89_cnt_12};
EVP_CIPHER* g_cipher[kCipherCount] = {};

const CipherKind* kind_of(const EVP_CIPHER_CTX* ctx) noexcept {
    const int nid = EVP_CIPHER_get_nid(EVP_CIPHER_CTX_get0_cipher(ctx));
    for (const CipherKind& k : kCiphers)
        if (k.nid == nid) return &k;
    return nullptr;
}

CipherStateBase*& state(EVP_CIPHER_CTX* ctx) noexcept {
    return *static_cast<CipherStateBase**>(EVP_CIPHER_CTX_get_cipher_data(ctx));
}

int c_init(EVP_CIPHER_CTX* ctx, const unsigned char* key, const unsigned char* iv, int) noexcept {
    CipherStateBase*& s = state(ctx);
    if (s == nullptr) {
        const CipherKind* k = kind_of(ctx);
        if (k == nullptr || (s = k->make()) == nullptr) return 0;
    }
    if (key != nullptr && !s->set_key(key)) return 0;
    if (iv != nullptr && !s->set_iv(iv)) return 0;
    return 1;
}

int c_do(EVP_CIPHER_CTX* ctx, unsigned char* out, const unsigned char* in, size_t len) noexcept {
    CipherStateBase* s = state(ctx);
    if (s == nullptr || !s->process(out, in, len)) {
        raise(kInternal, "cipher used without key and IV, or its key stream is exhausted");
        return 0;
    }
    return 1;
}

int c_cleanup(EVP_CIPHER_CTX* ctx) noexcept {
    if (EVP_CIPHER_CTX_get_cipher_data(ctx) == nullptr) return 1;
    CipherStateBase*& s = state(ctx);
    delete s;
    s = nullptr;
    return 1;
}

int c_ctrl(EVP_CIPHER_CTX* ctx, int type, int arg, void* ptr) noexcept {
    switch (type) {
        case EVP_CTRL_INIT:
            return 1;
        case EVP_CTRL_COPY: {  // ptr: the destination context (its data pointer was memcpy'd)
            auto* out = static_cast<EVP_CIPHER_CTX*>(ptr);
            CipherStateBase* src = state(ctx);
            CipherStateBase*& dst = state(out);
            dst = src != nullptr ? src->clone() : nullptr;
            return src == nullptr || dst != nullptr ? 1 : 0;
        }
        case EVP_CTRL_TLSTREE: {
            // ptr: the record's sequence number (8 bytes, big-endian); arg != 0: libssl has
            // already incremented it (sending without encrypt-then-MAC), so use seq - 1.
            CipherStateBase* s = state(ctx);
            if (s == nullptr || ptr == nullptr) return -1;
            const auto* b = static_cast<const std::uint8_t*>(ptr);
            std::uint64_t seq = 0;
            for (int i = 0; i < 8; ++i) seq = (seq << 8) | b[i];
            if (arg != 0) seq -= 1;
            return s->tlstree(seq) ? 1 : -1;
        }
        case EVP_CTRL_KEY_MESH: {
            CipherStateBase* s = state(ctx);
            return s != nullptr && arg > 0 && s->set_section(static_cast<std::size_t>(arg)) ? 1 : 0;
        }
        default:
            return -1;
    }
}

bool build_cipher(std::size_t i) noexcept {
    const CipherKind& k = kCiphers[i];
    EVP_CIPHER* c = EVP_CIPHER_meth_new(k.nid, 1, static_cast<int>(kKeyBytes));
    if (c == nullptr) return false;
    if (EVP_CIPHER_meth_set_iv_length(c, k.iv_len) != 1 ||
        EVP_CIPHER_meth_set_flags(c, EVP_CIPH_CTR_MODE | EVP_CIPH_CUSTOM_IV |
                                         EVP_CIPH_ALWAYS_CALL_INIT | EVP_CIPH_CUSTOM_COPY |
                                         EVP_CIPH_CTRL_INIT) != 1 ||
        EVP_CIPHER_meth_set_impl_ctx_size(c, sizeof(CipherStateBase*)) != 1 ||
        EVP_CIPHER_meth_set_init(c, &c_init) != 1 || EVP_CIPHER_meth_set_do_cipher(c, &c_do) != 1 ||
        EVP_CIPHER_meth_set_cleanup(c, &c_cleanup) != 1 ||
        EVP_CIPHER_meth_set_ctrl(c, &c_ctrl) != 1) {
        EVP_CIPHER_meth_free(c);
        return false;
    }
    g_cipher[i] = c;
    return EVP_add_cipher(c) == 1;
}

std::once_flag g_once;
bool g_ok = false;

}  // namespace

bool init() noexcept {
    std::call_once(g_once, [] {
        bool ok = init_macs() && add_name_placeholders();
        for (std::size_t i = 0; ok && i < kCipherCount; ++i) ok = build_cipher(i);
        g_ok = ok;
    });
    return g_ok;
}

int ciphers(ENGINE*, const EVP_CIPHER** cipher, const int** nids, int nid) noexcept {
    if (cipher == nullptr) {
        *nids = kCipherNids;
        return static_cast<int>(kCipherCount);
    }
    for (std::size_t i = 0; i < kCipherCount; ++i)
        if (kCiphers[i].nid == nid && g_cipher[i] != nullptr) {
            *cipher = g_cipher[i];
            return 1;
        }
    *cipher = nullptr;
    return 0;
}

int digests(ENGINE*, const EVP_MD** md, const int** nids, int nid) noexcept {
    if (md == nullptr) {
        *nids = mac_nids().data();
        return static_cast<int>(mac_nids().size());
    }
    *md = mac_md(nid);
    return *md != nullptr ? 1 : 0;
}

}  // namespace gostcsp::engine::tls
