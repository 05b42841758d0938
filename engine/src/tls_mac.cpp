// SPDX-License-Identifier: Apache-2.0
// The GOST TLS 1.2 record MACs for libssl 3.0: the MAC key types kuznyechik-mac, magma-mac and
// gost-mac-12 (legacy EVP_PKEY_ASN1_METHOD + EVP_PKEY_METHOD, what EVP_PKEY_new_mac_key and
// EVP_DigestSignInit_ex need) and their EVP_MD forms (OMAC of GOST R 34.13-2015, keyed through
// the EVP_PKEY_CTRL_DIGESTINIT control, re-keyed per record by EVP_MD_CTRL_TLSTREE).
//
// How libssl drives them (ssl/t1_enc.c, ssl/record/ssl3_record.c): EVP_PKEY_new_mac_key(nid,
// NULL, K_MAC, 32) -> keygen on our pkey method; EVP_DigestSignInit_ex(ctx, "kuznyechik-mac",
// key) -> signctx_init + EVP_DigestInit_ex -> DIGESTINIT hands the key to the MD; per record the
// context is copied, EVP_MD_CTX_ctrl(EVP_MD_CTRL_TLSTREE, 0, seq) sets TLSTREE(K_MAC, seq), then
// DigestSignUpdate(header, fragment) and DigestSignFinal -> signctx -> the MD's final.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <optional>

#include "bridge.hpp"
#include "gostcsp/gost28147.hpp"
#include "gostcsp/kuznyechik.hpp"
#include "gostcsp/magma.hpp"
#include "gostcsp/secure.hpp"
#include "gostcsp/tlstree.hpp"
#include "tls.hpp"

namespace gostcsp::engine::tls {
namespace {

namespace core = gostcsp::core;

// A private MD control: hands the 32-byte root key to the MD (from the pkey method's
// DIGESTINIT). Not a public OpenSSL number; both ends are in this file.
constexpr int kMdCtrlSetKey = EVP_MD_CTRL_ALG_CTRL + 0x4753;
constexpr std::size_t kKeyBytes = 32;

// OMAC1 (GOST R 34.13-2015 §5.6) over a core block cipher held by value, so the state copies.
template <class Cipher>
class Omac {
  public:
    static constexpr std::size_t n = Cipher::block_bytes;

    void set_key(std::span<const std::uint8_t, kKeyBytes> key) noexcept {
        (void)cipher_.set_key(key);
        std::uint8_t l[n] = {};
        cipher_.encrypt_block(l, l);
        shift(l, k1_);
        shift(k1_, k2_);
        core::secure_zero(l, n);
        reset();
    }
    void reset() noexcept {
        std::memset(state_, 0, n);
        buffered_ = 0;
    }
    void update(const std::uint8_t* p, std::size_t len) noexcept {
        while (len > 0) {
            if (buffered_ == n) {  // a full block is absorbed only once more data follows
                for (std::size_t i = 0; i < n; ++i) state_[i] ^= buf_[i];
                cipher_.encrypt_block(state_, state_);
                buffered_ = 0;
            }
            const std::size_t take = std::min(len, n - buffered_);
            std::memcpy(buf_ + buffered_, p, take);
            buffered_ += take;
            p += take;
            len -= take;
        }
    }
    void final(std::uint8_t* out, std::size_t out_len) noexcept {
        const std::uint8_t* k = k1_;
        if (buffered_ < n) {  // procedure 3 padding: 1 then zeros, with K2
            buf_[buffered_] = 0x80;
            std::memset(buf_ + buffered_ + 1, 0, n - buffered_ - 1);
            k = k2_;
        }
        for (std::size_t i = 0; i < n; ++i) state_[i] ^= buf_[i] ^ k[i];
        cipher_.encrypt_block(state_, state_);
        std::memcpy(out, state_, out_len);
        reset();
    }
    ~Omac() {
        core::secure_zero(k1_, n);
        core::secure_zero(k2_, n);
        core::secure_zero(state_, n);
        core::secure_zero(buf_, n);
    }

  private:
    static void shift(const std::uint8_t* in, std::uint8_t* out) noexcept {
        const std::uint8_t r = n == 16 ? 0x87 : 0x1b;
        const std::uint8_t carry = static_cast<std::uint8_t>(in[0] >> 7);
        for (std::size_t i = 0; i + 1 < n; ++i)
            out[i] = static_cast<std::uint8_t>((in[i] << 1) | (in[i + 1] >> 7));
        out[n - 1] = static_cast<std::uint8_t>((in[n - 1] << 1) ^ (carry ? r : 0));
    }
    Cipher cipher_;
    std::uint8_t k1_[n] = {}, k2_[n] = {}, state_[n] = {}, buf_[n] = {};
    std::size_t buffered_ = 0;
};

// The MD state of one MAC: root key, its TLSTREE and the OMAC.
struct MacStateBase {
    virtual ~MacStateBase() = default;
    virtual MacStateBase* clone() const noexcept = 0;
    virtual void set_root(std::span<const std::uint8_t, kKeyBytes> key) noexcept = 0;
    virtual void tlstree(std::uint64_t seq) noexcept = 0;
    virtual void reset() noexcept = 0;
    virtual void update(const std::uint8_t* p, std::size_t len) noexcept = 0;
    virtual void final(std::uint8_t* out, std::size_t len) noexcept = 0;
    bool keyed = false;
};

template <class Cipher, core::TlsTreeSuite Suite>
struct MacState final : MacStateBase {
    MacStateBase* clone() const noexcept override { return new (std::nothrow) MacState(*this); }
    void set_root(std::span<const std::uint8_t, kKeyBytes> key) noexcept override {
        std::memcpy(root.data(), key.data(), kKeyBytes);
        tree.emplace(Suite, root.span());
        omac.set_key(key);
        keyed = true;
    }
    void tlstree(std::uint64_t seq) noexcept override {
        core::SecretBytes<kKeyBytes> k;
        tree->derive(seq, k.span());
        omac.set_key(k.span());
    }
    void reset() noexcept override { omac.reset(); }
    void update(const std::uint8_t* p, std::size_t len) noexcept override { omac.update(p, len); }
    void final(std::uint8_t* out, std::size_t len) noexcept override { omac.final(out, len); }
    core::SecretBytes<kKeyBytes> root;
    std::optional<core::TlsTree> tree;
    Omac<Cipher> omac;
};

// gost-mac-12: the 28147 IMIT (tc26-Z, CryptoPro key meshing), 4 bytes, zero start value; in
// TLS a stream MAC (TLS1_STREAM_MAC: one state across the records, each tag from a copy).
struct ImitState final : MacStateBase {
    MacStateBase* clone() const noexcept override { return new (std::nothrow) ImitState(*this); }
    void set_root(std::span<const std::uint8_t, kKeyBytes> key) noexcept override {
        imit.emplace(core::Gost28147(key, core::Gost28147ParamSet::tc26_z), true);
        keyed = true;
    }
    void tlstree(std::uint64_t) noexcept override {}
    void reset() noexcept override {
        if (imit) imit->reset();
    }
    void update(const std::uint8_t* p, std::size_t len) noexcept override {
        imit->update({p, len});
    }
    void final(std::uint8_t* out, std::size_t len) noexcept override {
        (void)imit->final({out, len});
    }
    std::optional<core::Gost28147Imit> imit;
};

struct MacKind {
    int nid;
    const char* name;
    std::size_t size;   // tag bytes
    std::size_t block;  // the cipher's block
    MacStateBase* (*make)() noexcept;
};
template <class S>
MacStateBase* make_state() noexcept {
    return new (std::nothrow) S();
}
const MacKind kMacs[] = {
    {NID_kuznyechik_mac, "kuznyechik-mac", 16, 16,
     &make_state<MacState<core::Kuznyechik, core::TlsTreeSuite::kuznyechik_ctr_omac>>},
    {NID_magma_mac, "magma-mac", 8, 8,
     &make_state<MacState<core::Magma, core::TlsTreeSuite::magma_ctr_omac>>},
    {NID_gost_mac_12, "gost-mac-12", 4, 8, &make_state<ImitState>},
};
constexpr std::size_t kMacCount = sizeof(kMacs) / sizeof(kMacs[0]);
const int kMacNids[kMacCount] = {NID_kuznyechik_mac, NID_magma_mac, NID_gost_mac_12};

EVP_MD* g_md[kMacCount] = {};
EVP_PKEY_ASN1_METHOD* g_ameth[kMacCount] = {};
EVP_PKEY_METHOD* g_pmeth[kMacCount] = {};

const MacKind* kind_of_nid(int nid) noexcept {
    for (const MacKind& k : kMacs)
        if (k.nid == nid) return &k;
    return nullptr;
}

// ---- the EVP_MD ------------------------------------------------------------------------------

MacStateBase*& md_state(EVP_MD_CTX* ctx) noexcept {
    return *static_cast<MacStateBase**>(EVP_MD_CTX_get0_md_data(ctx));
}

int md_init(EVP_MD_CTX* ctx) noexcept {
    MacStateBase*& s = md_state(ctx);
    if (s == nullptr) {
        const MacKind* k = kind_of_nid(EVP_MD_get_type(EVP_MD_CTX_get0_md(ctx)));
        if (k == nullptr || (s = k->make()) == nullptr) return 0;
    }
    s->reset();  // the key (set by DIGESTINIT before init) stays
    return 1;
}

int md_update(EVP_MD_CTX* ctx, const void* data, size_t len) noexcept {
    MacStateBase* s = md_state(ctx);
    if (s == nullptr || !s->keyed) {
        raise(kInternal, "GOST MAC used without a key");
        return 0;
    }
    s->update(static_cast<const std::uint8_t*>(data), len);
    return 1;
}

int md_final(EVP_MD_CTX* ctx, unsigned char* out) noexcept {
    MacStateBase* s = md_state(ctx);
    if (s == nullptr || !s->keyed) return 0;
    s->final(out, static_cast<std::size_t>(EVP_MD_get_size(EVP_MD_CTX_get0_md(ctx))));
    return 1;
}

int md_copy(EVP_MD_CTX* to, const EVP_MD_CTX* from) noexcept {
    // EVP_MD_CTX_copy_ex has copied the pointer already: give `to` its own state.
    MacStateBase* src =
        *static_cast<MacStateBase**>(EVP_MD_CTX_get0_md_data(const_cast<EVP_MD_CTX*>(from)));
    MacStateBase*& dst = md_state(to);
    dst = nullptr;
    if (src == nullptr) return 1;
    dst = src->clone();
    return dst != nullptr ? 1 : 0;
}

int md_cleanup(EVP_MD_CTX* ctx) noexcept {
    if (EVP_MD_CTX_get0_md_data(ctx) == nullptr) return 1;
    MacStateBase*& s = md_state(ctx);
    delete s;
    s = nullptr;
    return 1;
}

int md_ctrl(EVP_MD_CTX* ctx, int cmd, int p1, void* p2) noexcept {
    if (cmd == kMdCtrlSetKey) {
        if (p1 != static_cast<int>(kKeyBytes) || p2 == nullptr || md_init(ctx) != 1) return 0;
        md_state(ctx)->set_root(std::span<const std::uint8_t, kKeyBytes>(
            static_cast<const std::uint8_t*>(p2), kKeyBytes));
        return 1;
    }
    if (cmd == EVP_MD_CTRL_TLSTREE) {  // p2: the record's 64-bit sequence number, big-endian
        MacStateBase* s = md_state(ctx);
        if (s == nullptr || !s->keyed || p2 == nullptr) return 0;
        const auto* b = static_cast<const std::uint8_t*>(p2);
        std::uint64_t seq = 0;
        for (int i = 0; i < 8; ++i) seq = (seq << 8) | b[i];
        s->tlstree(seq);
        return 1;
    }
    return -2;
}

// ---- the MAC key type ------------------------------------------------------------------------

struct MacKey {
    core::SecretBytes<kKeyBytes> key;
};

void am_free(EVP_PKEY* pk) noexcept {
    delete static_cast<MacKey*>(EVP_PKEY_get0(pk));
}
int am_size(const EVP_PKEY* pk) noexcept {
    const MacKind* k = kind_of_nid(EVP_PKEY_get_id(pk));
    return k != nullptr ? static_cast<int>(k->size) : 0;
}

struct PmState {
    core::SecretBytes<kKeyBytes> key;
    bool key_set = false;
};
PmState* pm_state(EVP_PKEY_CTX* ctx) noexcept {
    return static_cast<PmState*>(EVP_PKEY_CTX_get_data(ctx));
}
int pm_init(EVP_PKEY_CTX* ctx) noexcept {
    auto* s = new (std::nothrow) PmState{};
    if (s == nullptr) return 0;
    EVP_PKEY_CTX_set_data(ctx, s);
    return 1;
}
void pm_cleanup(EVP_PKEY_CTX* ctx) noexcept {
    delete pm_state(ctx);
    EVP_PKEY_CTX_set_data(ctx, nullptr);
}
int pm_copy(EVP_PKEY_CTX* dst, const EVP_PKEY_CTX* src) noexcept {
    if (pm_init(dst) != 1) return 0;
    const PmState* from = pm_state(const_cast<EVP_PKEY_CTX*>(src));
    if (from != nullptr) *pm_state(dst) = *from;
    return 1;
}
int pm_keygen_init(EVP_PKEY_CTX*) noexcept {
    return 1;
}
// One keygen per MAC type: the context's method fixes the type of the key it makes.
template <std::size_t I>
int pm_keygen(EVP_PKEY_CTX* ctx, EVP_PKEY* pkey) noexcept {
    PmState* s = pm_state(ctx);
    if (s == nullptr || !s->key_set) {
        raise(kInternal, "no MAC key set");
        return 0;
    }
    auto* key = new (std::nothrow) MacKey{};
    if (key == nullptr) return 0;
    key->key = s->key;
    if (EVP_PKEY_assign(pkey, kMacs[I].nid, key) != 1) {
        delete key;
        raise(kInternal, "EVP_PKEY_assign (MAC key)");
        return 0;
    }
    return 1;
}

int pm_ctrl(EVP_PKEY_CTX* ctx, int type, int p1, void* p2) noexcept {
    PmState* s = pm_state(ctx);
    if (s == nullptr) return 0;
    switch (type) {
        case EVP_PKEY_CTRL_SET_MAC_KEY:
            if (p1 != static_cast<int>(kKeyBytes) || p2 == nullptr) {
                raise(kInternal, "a GOST MAC key is 32 bytes");
                return 0;
            }
            std::memcpy(s->key.data(), p2, kKeyBytes);
            s->key_set = true;
            return 1;
        case EVP_PKEY_CTRL_MD: {  // only the MAC's own EVP_MD
            const EVP_MD* md = static_cast<const EVP_MD*>(p2);
            const EVP_PKEY* pk = EVP_PKEY_CTX_get0_pkey(ctx);
            return md != nullptr && pk != nullptr && EVP_MD_get_type(md) == EVP_PKEY_get_id(pk) ? 1
                                                                                                : 0;
        }
        case EVP_PKEY_CTRL_DIGESTINIT: {  // key the MD from the MAC key
            auto* mctx = static_cast<EVP_MD_CTX*>(p2);
            const EVP_PKEY* pk = EVP_PKEY_CTX_get0_pkey(ctx);
            const auto* key =
                pk != nullptr ? static_cast<const MacKey*>(EVP_PKEY_get0(pk)) : nullptr;
            const EVP_MD* md = mctx != nullptr ? EVP_MD_CTX_get0_md(mctx) : nullptr;
            if (md == nullptr || kind_of_nid(EVP_MD_get_type(md)) == nullptr) return 0;
            const std::uint8_t* k = s->key_set       ? s->key.data()
                                    : key != nullptr ? key->key.data()
                                                     : nullptr;
            if (k == nullptr) {
                raise(kInternal, "no MAC key");
                return 0;
            }
            return md_ctrl(mctx, kMdCtrlSetKey, static_cast<int>(kKeyBytes),
                           const_cast<std::uint8_t*>(k));
        }
        default:
            return -2;
    }
}

// `openssl dgst -mac NAME -macopt key:… | hexkey:…` (gost-engine's spellings).
int pm_ctrl_str(EVP_PKEY_CTX* ctx, const char* type, const char* value) noexcept {
    if (type == nullptr || value == nullptr) return 0;
    if (std::strcmp(type, "key") == 0)
        return pm_ctrl(ctx, EVP_PKEY_CTRL_SET_MAC_KEY, static_cast<int>(std::strlen(value)),
                       const_cast<char*>(value));
    if (std::strcmp(type, "hexkey") == 0) {
        long len = 0;
        unsigned char* key = OPENSSL_hexstr2buf(value, &len);
        if (key == nullptr) return 0;
        const int r = pm_ctrl(ctx, EVP_PKEY_CTRL_SET_MAC_KEY, static_cast<int>(len), key);
        OPENSSL_clear_free(key, static_cast<size_t>(len));
        return r;
    }
    return -2;
}

// The MAC key's default (and only) "digest" is the MAC's own EVP_MD.
int am_ctrl(EVP_PKEY* pk, int op, long, void* arg2) noexcept {
    if (op != ASN1_PKEY_CTRL_DEFAULT_MD_NID) return -2;
    *static_cast<int*>(arg2) = EVP_PKEY_get_id(pk);
    return 2;
}

int pm_signctx_init(EVP_PKEY_CTX*, EVP_MD_CTX*) noexcept {
    return 1;
}

int pm_signctx(EVP_PKEY_CTX* ctx, unsigned char* sig, size_t* siglen, EVP_MD_CTX* mctx) noexcept {
    const EVP_PKEY* pk = EVP_PKEY_CTX_get0_pkey(ctx);
    const MacKind* k = pk != nullptr ? kind_of_nid(EVP_PKEY_get_id(pk)) : nullptr;
    if (k == nullptr) return 0;
    if (sig == nullptr) {
        *siglen = k->size;
        return 1;
    }
    if (*siglen < k->size) return 0;
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(mctx, sig, &len) != 1) return 0;
    *siglen = len;
    return 1;
}

using KeygenFn = int (*)(EVP_PKEY_CTX*, EVP_PKEY*);
const KeygenFn kKeygens[kMacCount] = {&pm_keygen<0>, &pm_keygen<1>, &pm_keygen<2>};

bool build_mac(std::size_t i) noexcept {
    const MacKind& k = kMacs[i];
    EVP_MD* md = EVP_MD_meth_new(k.nid, NID_undef);
    if (md == nullptr) return false;
    if (EVP_MD_meth_set_result_size(md, static_cast<int>(k.size)) != 1 ||
        EVP_MD_meth_set_input_blocksize(md, static_cast<int>(k.block)) != 1 ||
        EVP_MD_meth_set_app_datasize(md, sizeof(MacStateBase*)) != 1 ||
        EVP_MD_meth_set_init(md, &md_init) != 1 || EVP_MD_meth_set_update(md, &md_update) != 1 ||
        EVP_MD_meth_set_final(md, &md_final) != 1 || EVP_MD_meth_set_copy(md, &md_copy) != 1 ||
        EVP_MD_meth_set_cleanup(md, &md_cleanup) != 1 || EVP_MD_meth_set_ctrl(md, &md_ctrl) != 1) {
        EVP_MD_meth_free(md);
        return false;
    }
    g_md[i] = md;

    EVP_PKEY_ASN1_METHOD* am =
        EVP_PKEY_asn1_new(k.nid, 0, k.name, "gostcsp: GOST TLS record MAC key");
    if (am == nullptr) return false;
    EVP_PKEY_asn1_set_free(am, &am_free);
    EVP_PKEY_asn1_set_public(am, nullptr, nullptr, nullptr, nullptr, &am_size, nullptr);
    EVP_PKEY_asn1_set_ctrl(am, &am_ctrl);
    g_ameth[i] = am;

    EVP_PKEY_METHOD* pm = EVP_PKEY_meth_new(k.nid, 0);
    if (pm == nullptr) return false;
    EVP_PKEY_meth_set_init(pm, &pm_init);
    EVP_PKEY_meth_set_copy(pm, &pm_copy);
    EVP_PKEY_meth_set_cleanup(pm, &pm_cleanup);
    EVP_PKEY_meth_set_keygen(pm, &pm_keygen_init, kKeygens[i]);
    EVP_PKEY_meth_set_signctx(pm, &pm_signctx_init, &pm_signctx);
    EVP_PKEY_meth_set_ctrl(pm, &pm_ctrl, &pm_ctrl_str);
    g_pmeth[i] = pm;
    return EVP_add_digest(md) == 1;
}

}  // namespace

bool init_macs() noexcept {
    for (std::size_t i = 0; i < kMacCount; ++i)
        if (!build_mac(i)) return false;
    return true;
}

std::span<const int> mac_nids() noexcept {
    return kMacNids;
}

EVP_PKEY_ASN1_METHOD* mac_ameth(int nid) noexcept {
    for (std::size_t i = 0; i < kMacCount; ++i)
        if (kMacs[i].nid == nid) return g_ameth[i];
    return nullptr;
}

EVP_PKEY_METHOD* mac_pmeth(int nid) noexcept {
    for (std::size_t i = 0; i < kMacCount; ++i)
        if (kMacs[i].nid == nid) return g_pmeth[i];
    return nullptr;
}

const EVP_MD* mac_md(int nid) noexcept {
    for (std::size_t i = 0; i < kMacCount; ++i)
        if (kMacs[i].nid == nid) return g_md[i];
    return nullptr;
}

}  // namespace gostcsp::engine::tls
