// SPDX-License-Identifier: Apache-2.0
// The symmetric half of the module through its C ABI: secret key objects and C_GenerateKey,
// C_Encrypt/C_Decrypt (ECB, CTR-ACPKM, MGM, 28147 CFB), C_Sign/C_Verify MACs, C_WrapKey /
// C_UnwrapKey (KExp15, CryptoPro key wrap), C_DeriveKey with KDF_TREE and KEG → KImp15 (the TLS
// server flow). Known answers: GOST R 34.13-2015 App. A, R 1323565.1.017-2018 (RFC 8645), RFC
// 9058, gost-engine/CryptoPro 28147 vectors, RFC 7836, RFC 9189 (tests/vectors); a random
// differential run against gost-engine's provider gostprov; and the bad-input answers.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <algorithm>
#include <random>

#include "p11_harness.hpp"
#include "vector_file.hpp"

using namespace p11test;
using gostcsp::test::load_vectors;
using gostcsp::test::VectorRecord;

namespace {

CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

CK_KEY_TYPE key_type_of(const std::string& cipher) {
    if (cipher == "kuznyechik") return CKK_KUZNECHIK;
    if (cipher == "magma") return CKK_MAGMA;
    return CKK_GOST28147;
}

Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

const Bytes oid_28147_z = hex("06092a8503070102050101");  // id-tc26-gost-28147-param-Z

// DER OID of a 28147 parameter set named as in gost28147.txt.
Bytes oid_28147(const std::string& name) {
    if (name == "id-Gost28147-89-CryptoPro-A-ParamSet") return hex("06072a850302021f01");
    if (name == "id-Gost28147-89-CryptoPro-B-ParamSet") return hex("06072a850302021f02");
    if (name == "id-Gost28147-89-CryptoPro-C-ParamSet") return hex("06072a850302021f03");
    if (name == "id-Gost28147-89-CryptoPro-D-ParamSet") return hex("06072a850302021f04");
    return {};
}

class P11Sym : public P11Test {
  protected:
    CK_SLOT_ID slot = 0;
    CK_SESSION_HANDLE h = 0;
    void SetUp() override {
        P11Test::SetUp();
        slot = ready_token();
        h = user_session(slot);
    }

    // A session secret key with every usage allowed; sensitive unless `extractable`.
    CK_OBJECT_HANDLE secret(CK_KEY_TYPE kt, const Bytes& value, bool extractable = false,
                            const Bytes& params28147 = {}, CK_RV want = CKR_OK) {
        CK_OBJECT_CLASS c = CKO_SECRET_KEY;
        std::vector<CK_ATTRIBUTE> t = {
            {CKA_CLASS, &c, sizeof c},
            {CKA_KEY_TYPE, &kt, sizeof kt},
            {CKA_VALUE, const_cast<std::uint8_t*>(value.data()), value.size()},
            {CKA_ENCRYPT, &yes, 1},
            {CKA_DECRYPT, &yes, 1},
            {CKA_SIGN, &yes, 1},
            {CKA_VERIFY, &yes, 1},
            {CKA_WRAP, &yes, 1},
            {CKA_UNWRAP, &yes, 1},
            {CKA_DERIVE, &yes, 1},
            {CKA_SENSITIVE, extractable ? &no : &yes, 1},
            {CKA_EXTRACTABLE, extractable ? &yes : &no, 1},
        };
        if (!params28147.empty())
            t.push_back({CKA_GOST28147_PARAMS, const_cast<std::uint8_t*>(params28147.data()),
                         params28147.size()});
        CK_OBJECT_HANDLE o = 0;
        EXPECT_EQ(f->C_CreateObject(h, t.data(), t.size(), &o), want);
        return o;
    }

    // Single-part C_Encrypt / C_Decrypt with a length query first.
    CK_RV crypt(bool enc, CK_MECHANISM m, CK_OBJECT_HANDLE key, const Bytes& in, Bytes& out) {
        CK_RV rv = enc ? f->C_EncryptInit(h, &m, key) : f->C_DecryptInit(h, &m, key);
        if (rv != CKR_OK) return rv;
        auto* p = const_cast<std::uint8_t*>(in.data());
        CK_ULONG n = 0;
        rv = enc ? f->C_Encrypt(h, p, in.size(), nullptr, &n)
                 : f->C_Decrypt(h, p, in.size(), nullptr, &n);
        if (rv != CKR_OK) return rv;
        out.assign(n, 0xAA);
        rv = enc ? f->C_Encrypt(h, p, in.size(), out.data(), &n)
                 : f->C_Decrypt(h, p, in.size(), out.data(), &n);
        if (rv == CKR_OK) out.resize(n);
        return rv;
    }

    // Multi-part: updates cut at `cuts`, then the final step.
    CK_RV crypt_parts(bool enc, CK_MECHANISM m, CK_OBJECT_HANDLE key, const Bytes& in,
                      std::vector<std::size_t> cuts, Bytes& out) {
        CK_RV rv = enc ? f->C_EncryptInit(h, &m, key) : f->C_DecryptInit(h, &m, key);
        if (rv != CKR_OK) return rv;
        out.clear();
        cuts.push_back(in.size());
        std::size_t pos = 0;
        for (std::size_t cut : cuts) {
            cut = std::min(std::max(cut, pos), in.size());
            Bytes piece(in.begin() + static_cast<std::ptrdiff_t>(pos),
                        in.begin() + static_cast<std::ptrdiff_t>(cut));
            Bytes buf(piece.size() + 32);
            CK_ULONG n = buf.size();
            rv = enc ? f->C_EncryptUpdate(h, piece.data(), piece.size(), buf.data(), &n)
                     : f->C_DecryptUpdate(h, piece.data(), piece.size(), buf.data(), &n);
            if (rv != CKR_OK) return rv;
            out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
            pos = cut;
        }
        CK_ULONG n = 0;
        rv = enc ? f->C_EncryptFinal(h, nullptr, &n) : f->C_DecryptFinal(h, nullptr, &n);
        if (rv != CKR_OK) return rv;
        Bytes buf(n + 1);
        rv = enc ? f->C_EncryptFinal(h, buf.data(), &n) : f->C_DecryptFinal(h, buf.data(), &n);
        if (rv == CKR_OK)
            out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        return rv;
    }

    Bytes mac(CK_MECHANISM m, CK_OBJECT_HANDLE key, const Bytes& data, bool parts = false) {
        EXPECT_EQ(f->C_SignInit(h, &m, key), CKR_OK);
        CK_ULONG n = 0;
        auto* p = const_cast<std::uint8_t*>(data.data());
        if (parts) {
            const std::size_t half = data.size() / 3;
            EXPECT_EQ(f->C_SignUpdate(h, p, half), CKR_OK);
            EXPECT_EQ(f->C_SignUpdate(h, p + half, data.size() - half), CKR_OK);
            EXPECT_EQ(f->C_SignFinal(h, nullptr, &n), CKR_OK);
            Bytes out(n);
            EXPECT_EQ(f->C_SignFinal(h, out.data(), &n), CKR_OK);
            return out;
        }
        EXPECT_EQ(f->C_Sign(h, p, data.size(), nullptr, &n), CKR_OK);
        Bytes out(n);
        EXPECT_EQ(f->C_Sign(h, p, data.size(), out.data(), &n), CKR_OK);
        out.resize(n);
        return out;
    }

    CK_RV verify(CK_MECHANISM m, CK_OBJECT_HANDLE key, const Bytes& data, Bytes sig) {
        EXPECT_EQ(f->C_VerifyInit(h, &m, key), CKR_OK);
        return f->C_Verify(h, const_cast<std::uint8_t*>(data.data()), data.size(), sig.data(),
                           sig.size());
    }

    CK_RV unwrap(CK_MECHANISM m, CK_OBJECT_HANDLE kek, const Bytes& wrapped, CK_OBJECT_HANDLE* out,
                 CK_KEY_TYPE kt = CKK_GENERIC_SECRET, bool extractable = true) {
        CK_OBJECT_CLASS c = CKO_SECRET_KEY;
        CK_ATTRIBUTE t[] = {{CKA_CLASS, &c, sizeof c},
                            {CKA_KEY_TYPE, &kt, sizeof kt},
                            {CKA_SENSITIVE, extractable ? &no : &yes, 1},
                            {CKA_EXTRACTABLE, extractable ? &yes : &no, 1}};
        return f->C_UnwrapKey(h, &m, kek, const_cast<std::uint8_t*>(wrapped.data()), wrapped.size(),
                              t, 4, out);
    }

    CK_RV wrap(CK_MECHANISM m, CK_OBJECT_HANDLE kek, CK_OBJECT_HANDLE key, Bytes& out) {
        CK_ULONG n = 0;
        CK_RV rv = f->C_WrapKey(h, &m, kek, key, nullptr, &n);
        if (rv != CKR_OK) return rv;
        out.assign(n, 0);
        rv = f->C_WrapKey(h, &m, kek, key, out.data(), &n);
        out.resize(n);
        return rv;
    }
};

CK_MECHANISM mech(CK_MECHANISM_TYPE t, void* p = nullptr, CK_ULONG n = 0) {
    return CK_MECHANISM{t, p, n};
}

}  // namespace

// ---- key objects ----

TEST_F(P11Sym, SecretKeyObjectsKeepThePrivateKeyRules) {
    const Bytes k = hex("8899aabbccddeeff0011223344556677fedcba98765432100123456789abcdef");
    const CK_OBJECT_HANDLE s = secret(CKK_KUZNECHIK, k);
    attr(h, s, CKA_VALUE, CKR_ATTRIBUTE_SENSITIVE);
    EXPECT_EQ(attr_ulong(h, s, CKA_VALUE_LEN), 32u);
    EXPECT_EQ(attr(h, s, CKA_ALWAYS_SENSITIVE), Bytes{CK_FALSE});  // imported
    EXPECT_EQ(attr(h, s, CKA_NEVER_EXTRACTABLE), Bytes{CK_FALSE});
    CK_ATTRIBUTE relax_s{CKA_SENSITIVE, &no, 1}, relax_e{CKA_EXTRACTABLE, &yes, 1};
    EXPECT_EQ(f->C_SetAttributeValue(h, s, &relax_s, 1), CKR_ATTRIBUTE_READ_ONLY);
    EXPECT_EQ(f->C_SetAttributeValue(h, s, &relax_e, 1), CKR_ATTRIBUTE_READ_ONLY);
    CK_OBJECT_HANDLE copy = 0;
    EXPECT_EQ(f->C_CopyObject(h, s, &relax_s, 1, &copy), CKR_ATTRIBUTE_READ_ONLY);
    // Value lengths fit the key type.
    secret(CKK_KUZNECHIK, Bytes(31, 1), false, {}, CKR_ATTRIBUTE_VALUE_INVALID);
    secret(CKK_MAGMA, Bytes(33, 1), false, {}, CKR_ATTRIBUTE_VALUE_INVALID);
    secret(CKK_KUZNECHIK_TWIN_KEY, Bytes(32, 1), false, {}, CKR_ATTRIBUTE_VALUE_INVALID);
    secret(CKK_GOST28147, Bytes(32, 1), false, hex("06032a0304"), CKR_ATTRIBUTE_VALUE_INVALID);
    // An extractable, non-sensitive key shows its value; a 28147 key gets CryptoPro-A.
    const CK_OBJECT_HANDLE e = secret(CKK_GOST28147, k, true);
    EXPECT_EQ(to_hex(attr(h, e, CKA_VALUE)), to_hex(k));
    EXPECT_EQ(to_hex(attr(h, e, CKA_GOST28147_PARAMS)), "06072a850302021f01");
}

TEST_F(P11Sym, GenerateKey) {
    struct {
        CK_MECHANISM_TYPE m;
        CK_KEY_TYPE kt;
    } cases[] = {{CKM_KUZNECHIK_KEY_GEN, CKK_KUZNECHIK},
                 {CKM_MAGMA_KEY_GEN, CKK_MAGMA},
                 {CKM_GOST28147_KEY_GEN, CKK_GOST28147}};
    for (const auto& c : cases) {
        CK_MECHANISM m = mech(c.m);
        CK_ATTRIBUTE t[] = {{CKA_ENCRYPT, &yes, 1}, {CKA_DECRYPT, &yes, 1}};
        CK_OBJECT_HANDLE k = 0, k2 = 0;
        ASSERT_EQ(f->C_GenerateKey(h, &m, t, 2, &k), CKR_OK);
        EXPECT_EQ(attr_ulong(h, k, CKA_KEY_TYPE), c.kt);
        EXPECT_EQ(attr_ulong(h, k, CKA_CLASS), CKO_SECRET_KEY);
        EXPECT_EQ(attr_ulong(h, k, CKA_VALUE_LEN), 32u);
        EXPECT_EQ(attr_ulong(h, k, CKA_KEY_GEN_MECHANISM), c.m);
        EXPECT_EQ(attr(h, k, CKA_LOCAL), Bytes{CK_TRUE});
        EXPECT_EQ(attr(h, k, CKA_ALWAYS_SENSITIVE), Bytes{CK_TRUE});
        EXPECT_EQ(attr(h, k, CKA_NEVER_EXTRACTABLE), Bytes{CK_TRUE});
        attr(h, k, CKA_VALUE, CKR_ATTRIBUTE_SENSITIVE);
        // The key works: ECB round trip of one block, and two keys differ.
        CK_MECHANISM ecb = mech(c.kt == CKK_KUZNECHIK ? CKM_KUZNECHIK_ECB
                                : c.kt == CKK_MAGMA   ? CKM_MAGMA_ECB
                                                      : CKM_GOST28147_ECB);
        ASSERT_EQ(f->C_GenerateKey(h, &m, t, 2, &k2), CKR_OK);
        const Bytes pt(16, 0x5a);
        Bytes c1, c2, back;
        ASSERT_EQ(crypt(true, ecb, k, pt, c1), CKR_OK);
        ASSERT_EQ(crypt(true, ecb, k2, pt, c2), CKR_OK);
        EXPECT_NE(c1, c2);
        ASSERT_EQ(crypt(false, ecb, k, c1, back), CKR_OK);
        EXPECT_EQ(back, pt);
    }
    // A token key needs the R/W session it has; the template is checked.
    CK_MECHANISM m = mech(CKM_KUZNECHIK_KEY_GEN);
    CK_ULONG len16 = 16;
    CK_KEY_TYPE magma = CKK_MAGMA;
    CK_ATTRIBUTE bad_len{CKA_VALUE_LEN, &len16, sizeof len16};
    CK_ATTRIBUTE bad_type{CKA_KEY_TYPE, &magma, sizeof magma};
    CK_ATTRIBUTE tok{CKA_TOKEN, &yes, 1};
    CK_OBJECT_HANDLE k = 0;
    EXPECT_EQ(f->C_GenerateKey(h, &m, &bad_len, 1, &k), CKR_TEMPLATE_INCONSISTENT);
    EXPECT_EQ(f->C_GenerateKey(h, &m, &bad_type, 1, &k), CKR_TEMPLATE_INCONSISTENT);
    CK_MECHANISM with_param = mech(CKM_KUZNECHIK_KEY_GEN, &len16, sizeof len16);
    EXPECT_EQ(f->C_GenerateKey(h, &with_param, nullptr, 0, &k), CKR_MECHANISM_PARAM_INVALID);
    ASSERT_EQ(f->C_GenerateKey(h, &m, &tok, 1, &k), CKR_OK);
    EXPECT_EQ(attr(h, k, CKA_TOKEN), Bytes{CK_TRUE});
    CK_SESSION_HANDLE ro = open(slot, false);
    EXPECT_EQ(f->C_GenerateKey(ro, &m, &tok, 1, &k), CKR_SESSION_READ_ONLY);
}

// ---- GOST R 34.13-2015 Appendix A: ECB and MAC ----

TEST_F(P11Sym, Gost3413EcbAndMacVectors) {
    int run = 0;
    for (const auto& v : load_vectors("modes.txt")) {
        const std::string mode = v.str("mode");
        if (mode != "ecb" && mode != "mac") {
            v.ignore({"cipher", "key", "iv", "pt", "ct"});
            continue;
        }
        SCOPED_TRACE(v.name());
        const bool kuz = v.str("cipher") == "kuznyechik";
        const CK_OBJECT_HANDLE k = secret(key_type_of(v.str("cipher")), v.bytes("key"));
        const Bytes pt = v.bytes("pt");
        if (mode == "ecb") {
            CK_MECHANISM m = mech(kuz ? CKM_KUZNECHIK_ECB : CKM_MAGMA_ECB);
            const Bytes ct = v.bytes("ct");
            Bytes out;
            ASSERT_EQ(crypt(true, m, k, pt, out), CKR_OK);
            EXPECT_EQ(to_hex(out), to_hex(ct));
            ASSERT_EQ(crypt(false, m, k, ct, out), CKR_OK);
            EXPECT_EQ(to_hex(out), to_hex(pt));
            ASSERT_EQ(crypt_parts(true, m, k, pt, {3, 17, 40}, out), CKR_OK);
            EXPECT_EQ(to_hex(out), to_hex(ct));
            ASSERT_EQ(crypt_parts(false, m, k, ct, {1, 31}, out), CKR_OK);
            EXPECT_EQ(to_hex(out), to_hex(pt));
        } else {
            v.ignore({"k1", "k2"});
            const Bytes want = v.bytes("mac");  // MSB of the full-block MAC
            CK_MECHANISM m = mech(kuz ? CKM_KUZNECHIK_MAC : CKM_MAGMA_MAC);
            const Bytes full = mac(m, k, pt);
            EXPECT_EQ(full.size(), kuz ? 16u : 8u);
            EXPECT_EQ(to_hex(Bytes(full.begin(), full.begin() + want.size())), to_hex(want));
            EXPECT_EQ(mac(m, k, pt, true), full);
            CK_ULONG len = want.size();
            CK_MECHANISM ml = mech(m.mechanism, &len, sizeof len);
            EXPECT_EQ(to_hex(mac(ml, k, pt)), to_hex(want));
            EXPECT_EQ(verify(ml, k, pt, want), CKR_OK);
            Bytes bad = want;
            bad[0] ^= 1;
            EXPECT_EQ(verify(ml, k, pt, bad), CKR_SIGNATURE_INVALID);
            EXPECT_EQ(verify(ml, k, pt, Bytes(want.begin(), want.end() - 1)),
                      CKR_SIGNATURE_LEN_RANGE);
        }
        EXPECT_TRUE(v.unconsumed().empty());
        ++run;
    }
    EXPECT_EQ(run, 4);
}

// ---- R 1323565.1.017-2018 (RFC 8645): CTR-ACPKM ----

TEST_F(P11Sym, CtrAcpkmVectors) {
    int run = 0;
    for (const auto& v : load_vectors("acpkm.txt")) {
        if (v.str("mode") != "ctr-acpkm") continue;
        SCOPED_TRACE(v.name());
        const bool kuz = v.str("cipher") == "kuznyechik";
        const CK_OBJECT_HANDLE k = secret(key_type_of(v.str("cipher")), v.bytes("key"));
        Bytes icn = v.bytes("icn");
        CK_GOSTCSP_CTR_ACPKM_PARAMS p{v.number("section_bytes"), icn.data(), icn.size()};
        CK_MECHANISM m = mech(kuz ? CKM_KUZNECHIK_CTR_ACPKM : CKM_MAGMA_CTR_ACPKM, &p, sizeof p);
        const Bytes pt = v.bytes("pt"), ct = v.bytes("ct");
        Bytes out;
        ASSERT_EQ(crypt(true, m, k, pt, out), CKR_OK);
        EXPECT_EQ(to_hex(out), to_hex(ct));
        ASSERT_EQ(crypt_parts(false, m, k, ct, {5, 16, 33, 70}, out), CKR_OK);
        EXPECT_EQ(to_hex(out), to_hex(pt));
        ++run;
    }
    EXPECT_GE(run, 2);
}

// ---- RFC 9058: MGM ----

TEST_F(P11Sym, MgmVectorsAndTamper) {
    int run = 0;
    for (const auto& v : load_vectors("mgm.txt")) {
        SCOPED_TRACE(v.name());
        const bool kuz = v.str("cipher") == "kuznyechik";
        const CK_OBJECT_HANDLE k = secret(key_type_of(v.str("cipher")), v.bytes("key"));
        Bytes nonce = v.bytes("nonce"), aad = v.bytes("aad");
        const Bytes pt = v.bytes("pt"), ct = v.bytes("ct"), tag = v.bytes("tag");
        CK_GOSTCSP_MGM_PARAMS p{nonce.data(), nonce.size(), aad.data(), aad.size(), 8 * tag.size()};
        CK_MECHANISM m = mech(kuz ? CKM_KUZNECHIK_MGM : CKM_MAGMA_MGM, &p, sizeof p);
        const Bytes sealed = cat(ct, tag);
        Bytes out;
        ASSERT_EQ(crypt(true, m, k, pt, out), CKR_OK);
        EXPECT_EQ(to_hex(out), to_hex(sealed));
        ASSERT_EQ(crypt(false, m, k, sealed, out), CKR_OK);
        EXPECT_EQ(to_hex(out), to_hex(pt));
        ASSERT_EQ(crypt_parts(true, m, k, pt, {7, 20}, out), CKR_OK);
        EXPECT_EQ(to_hex(out), to_hex(sealed));
        ASSERT_EQ(crypt_parts(false, m, k, sealed, {1, 50}, out), CKR_OK);
        EXPECT_EQ(to_hex(out), to_hex(pt));
        // A flipped bit anywhere: CKR_ENCRYPTED_DATA_INVALID and no plaintext.
        for (std::size_t pos : {std::size_t{0}, sealed.size() - 1}) {
            Bytes bad = sealed;
            bad[pos] ^= 0x10;
            ASSERT_EQ(f->C_DecryptInit(h, &m, k), CKR_OK);
            Bytes buf(bad.size(), 0xAA);
            CK_ULONG n = buf.size();
            EXPECT_EQ(f->C_Decrypt(h, bad.data(), bad.size(), buf.data(), &n),
                      CKR_ENCRYPTED_DATA_INVALID);
            EXPECT_EQ(buf, Bytes(bad.size(), 0xAA));
        }
        // The operation ended with the failure.
        CK_ULONG n = 0;
        EXPECT_EQ(f->C_Decrypt(h, out.data(), out.size(), nullptr, &n),
                  CKR_OPERATION_NOT_INITIALIZED);
        ++run;
    }
    EXPECT_EQ(run, 4);
}

// ---- GOST 28147-89: ECB, CKM_GOST28147 (CFB with the CryptoPro sets), IMIT MAC ----

TEST_F(P11Sym, Gost28147Vectors) {
    int run = 0;
    for (const auto& v : load_vectors("gost28147.txt")) {
        if (!v.has("mode") || !v.has("params")) continue;
        const Bytes params = oid_28147(v.str("params"));
        const std::string mode = v.str("mode");
        // CKM_GOST28147 runs the set's mode (CFB for CryptoPro) with its meshing.
        if (params.empty() || (v.has("meshing") && v.number("meshing") == 0)) continue;
        if (mode != "ecb" && mode != "cfb" && mode != "imit") continue;
        SCOPED_TRACE(v.name());
        const CK_OBJECT_HANDLE k = secret(CKK_GOST28147, v.bytes("key"), false, params);
        const Bytes pt = v.bytes("pt");
        if (mode == "imit") {
            CK_MECHANISM m = mech(CKM_GOST28147_MAC);
            EXPECT_EQ(to_hex(mac(m, k, pt)), to_hex(v.bytes("mac")));
            ++run;
            continue;
        }
        Bytes iv = mode == "cfb" ? v.bytes("iv") : Bytes{};
        CK_MECHANISM m =
            mode == "ecb" ? mech(CKM_GOST28147_ECB) : mech(CKM_GOST28147, iv.data(), iv.size());
        const Bytes ct = v.bytes("ct");
        Bytes out;
        ASSERT_EQ(crypt(true, m, k, pt, out), CKR_OK);
        EXPECT_EQ(to_hex(out), to_hex(ct));
        ASSERT_EQ(crypt_parts(false, m, k, ct, {3, 9, 1030}, out), CKR_OK);
        EXPECT_EQ(to_hex(out), to_hex(pt));
        ++run;
    }
    EXPECT_GE(run, 6);
}

// The test parameter set (1.2.643.2.2.31.0) runs CNT: a gamma mode, so encrypting twice gives the
// plaintext back; under CryptoPro-A (CFB) it does not.
TEST_F(P11Sym, Gost28147ModeFollowsTheParameterSet) {
    const Bytes key(32, 0x3c), pt(100, 0x01);
    Bytes iv(8, 0x77);
    CK_MECHANISM m = mech(CKM_GOST28147, iv.data(), iv.size());
    const CK_OBJECT_HANDLE cnt = secret(CKK_GOST28147, key, false, hex("06072a850302021f00"));
    const CK_OBJECT_HANDLE cfb = secret(CKK_GOST28147, key, false, hex("06072a850302021f01"));
    Bytes c1, c2;
    ASSERT_EQ(crypt(true, m, cnt, pt, c1), CKR_OK);
    ASSERT_EQ(crypt(true, m, cnt, c1, c2), CKR_OK);
    EXPECT_EQ(c2, pt);
    ASSERT_EQ(crypt(true, m, cfb, pt, c1), CKR_OK);
    ASSERT_EQ(crypt(true, m, cfb, c1, c2), CKR_OK);
    EXPECT_NE(c2, pt);
    ASSERT_EQ(crypt(false, m, cfb, c1, c2), CKR_OK);
    EXPECT_EQ(c2, pt);
}

// ---- KExp15 / KImp15 (R 1323565.1.017-2018, RFC 9189 §8.2.1) ----

TEST_F(P11Sym, Kexp15WrapAndUnwrapVectors) {
    int run = 0;
    for (const auto& v : load_vectors("kexp15.txt")) {
        SCOPED_TRACE(v.name());
        const bool kuz = v.str("cipher") == "kuznyechik";
        const Bytes twin = cat(v.bytes("k_mac"), v.bytes("k_enc"));
        const CK_OBJECT_HANDLE kek =
            secret(kuz ? CKK_KUZNECHIK_TWIN_KEY : CKK_MAGMA_TWIN_KEY, twin);  // sensitive
        const Bytes key = v.bytes("key"), exported = v.bytes("exported");
        const CK_OBJECT_HANDLE target = secret(CKK_GENERIC_SECRET, key, true);
        Bytes iv = v.bytes("iv");
        CK_MECHANISM m =
            mech(kuz ? CKM_KUZNECHIK_KEXP_15_WRAP : CKM_MAGMA_KEXP_15_WRAP, iv.data(), iv.size());
        Bytes out;
        ASSERT_EQ(wrap(m, kek, target, out), CKR_OK);
        EXPECT_EQ(to_hex(out), to_hex(exported));
        CK_OBJECT_HANDLE u = 0;
        ASSERT_EQ(unwrap(m, kek, exported, &u), CKR_OK);
        EXPECT_EQ(to_hex(attr(h, u, CKA_VALUE)), to_hex(key));
        EXPECT_EQ(attr_ulong(h, u, CKA_VALUE_LEN), key.size());
        EXPECT_EQ(attr(h, u, CKA_LOCAL), Bytes{CK_FALSE});
        // A sensitive unwrapped key is used in place and never shown.
        ASSERT_EQ(unwrap(m, kek, exported, &u, CKK_KUZNECHIK, false), CKR_OK);
        attr(h, u, CKA_VALUE, CKR_ATTRIBUTE_SENSITIVE);
        EXPECT_EQ(attr(h, u, CKA_ALWAYS_SENSITIVE), Bytes{CK_FALSE});
        // Tampered: the MAC fails, no key is made.
        Bytes bad = exported;
        bad[bad.size() / 2] ^= 1;
        EXPECT_EQ(unwrap(m, kek, bad, &u), CKR_WRAPPED_KEY_INVALID);
        EXPECT_EQ(unwrap(m, kek, Bytes(exported.begin(), exported.begin() + iv.size()), &u),
                  CKR_WRAPPED_KEY_LEN_RANGE);
        EXPECT_TRUE(v.unconsumed().empty());
        ++run;
    }
    EXPECT_EQ(run, 3);
}

TEST_F(P11Sym, KeyWrapRefusals) {
    const auto v = load_vectors("kexp15.txt").at(1);  // Kuznyechik
    const Bytes twin = cat(v.bytes("k_mac"), v.bytes("k_enc"));
    const CK_OBJECT_HANDLE kek = secret(CKK_KUZNECHIK_TWIN_KEY, twin);
    Bytes iv = v.bytes("iv");
    CK_MECHANISM m = mech(CKM_KUZNECHIK_KEXP_15_WRAP, iv.data(), iv.size());
    Bytes out;
    // A non-extractable key is refused, whatever the mechanism.
    const CK_OBJECT_HANDLE stuck = secret(CKK_GENERIC_SECRET, v.bytes("key"), false);
    EXPECT_EQ(wrap(m, kek, stuck, out), CKR_KEY_UNEXTRACTABLE);
    const CK_OBJECT_HANDLE target = secret(CKK_GENERIC_SECRET, v.bytes("key"), true);
    // IV of n/2 bytes only.
    CK_MECHANISM short_iv = mech(CKM_KUZNECHIK_KEXP_15_WRAP, iv.data(), iv.size() - 1);
    EXPECT_EQ(wrap(short_iv, kek, target, out), CKR_MECHANISM_PARAM_INVALID);
    CK_MECHANISM magma = mech(CKM_MAGMA_KEXP_15_WRAP, iv.data(), 4);
    EXPECT_EQ(wrap(magma, kek, target, out), CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
    // The wrapping key: a twin (or 64-byte generic secret), never a cipher key.
    const CK_OBJECT_HANDLE kuz = secret(CKK_KUZNECHIK, Bytes(32, 7));
    EXPECT_EQ(wrap(m, kuz, target, out), CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
    const CK_OBJECT_HANDLE short_generic = secret(CKK_GENERIC_SECRET, Bytes(32, 7));
    EXPECT_EQ(wrap(m, short_generic, target, out), CKR_WRAPPING_KEY_SIZE_RANGE);
    EXPECT_EQ(wrap(m, 999999, target, out), CKR_WRAPPING_KEY_HANDLE_INVALID);
    CK_OBJECT_HANDLE u = 0;
    EXPECT_EQ(unwrap(m, 999999, v.bytes("exported"), &u), CKR_UNWRAPPING_KEY_HANDLE_INVALID);
    // CKA_WRAP / CKA_UNWRAP FALSE.
    CK_OBJECT_CLASS c = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_KUZNECHIK_TWIN_KEY;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &c, sizeof c},
                        {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_VALUE, const_cast<std::uint8_t*>(twin.data()), twin.size()}};
    CK_OBJECT_HANDLE plain = 0;
    ASSERT_EQ(f->C_CreateObject(h, t, 3, &plain), CKR_OK);
    EXPECT_EQ(wrap(m, plain, target, out), CKR_KEY_FUNCTION_NOT_PERMITTED);
    EXPECT_EQ(unwrap(m, plain, v.bytes("exported"), &u), CKR_KEY_FUNCTION_NOT_PERMITTED);
    // The template may not contradict the unwrapped length.
    EXPECT_EQ(unwrap(m, kek, v.bytes("exported"), &u, CKK_KUZNECHIK_TWIN_KEY),
              CKR_TEMPLATE_INCONSISTENT);
    v.ignore({"cipher"});
}

// ---- the TLS server: KEG on the token, then KImp15 of the PMS with the KEK in place ----

TEST_F(P11Sym, TlsServerKegThenKimp15) {
    const auto kegs = load_vectors("keg.txt");
    const auto exps = load_vectors("kexp15.txt");
    ASSERT_EQ(kegs.size(), 2u);
    for (int i = 0; i < 2; ++i) {
        const auto& kv = kegs[i];
        const auto& ev = exps[i];  // the same handshake's PMSEXP
        SCOPED_TRACE(kv.name() + " / " + ev.name());
        const bool is512 = kv.str("param_set_oid") == "1.2.643.7.1.2.1.2.3";
        const bool kuz = ev.str("cipher") == "kuznyechik";
        // The server's private key, imported into the token.
        CK_OBJECT_CLASS pc = CKO_PRIVATE_KEY;
        CK_KEY_TYPE pkt = is512 ? CKK_GOSTR3410_512 : CKK_GOSTR3410;
        Bytes d = kv.bytes("d_s");
        std::reverse(d.begin(), d.end());
        const Bytes& params = is512 ? oid_tc26_512_c : oid_cryptopro_a;
        CK_ATTRIBUTE pt[] = {
            {CKA_CLASS, &pc, sizeof pc},
            {CKA_KEY_TYPE, &pkt, sizeof pkt},
            {CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(params.data()), params.size()},
            {CKA_VALUE, d.data(), d.size()},
            {CKA_TOKEN, &yes, 1},
            {CKA_DERIVE, &yes, 1}};
        CK_OBJECT_HANDLE priv = 0;
        ASSERT_EQ(f->C_CreateObject(h, pt, 6, &priv), CKR_OK);
        // KEG with the client's ephemeral key → a sensitive, unextractable twin key.
        Bytes peer = kv.bytes("q_eph_x"), y = kv.bytes("q_eph_y");
        std::reverse(peer.begin(), peer.end());
        std::reverse(y.begin(), y.end());
        peer = cat(peer, y);
        Bytes hh = kv.bytes("h");
        CK_VENDOR_GOST_KEG_PARAMS kp{peer.data(), peer.size(), hh.data(), hh.size()};
        CK_MECHANISM km = mech(CKM_GOST_KEG, &kp, sizeof kp);
        CK_OBJECT_CLASS sc = CKO_SECRET_KEY;
        CK_KEY_TYPE tkt = kuz ? CKK_KUZNECHIK_TWIN_KEY : CKK_MAGMA_TWIN_KEY;
        CK_ATTRIBUTE tt[] = {{CKA_CLASS, &sc, sizeof sc},
                             {CKA_KEY_TYPE, &tkt, sizeof tkt},
                             {CKA_UNWRAP, &yes, 1},
                             {CKA_SENSITIVE, &yes, 1},
                             {CKA_EXTRACTABLE, &no, 1}};
        CK_OBJECT_HANDLE kek = 0;
        ASSERT_EQ(f->C_DeriveKey(h, &km, priv, tt, 5, &kek), CKR_OK);
        attr(h, kek, CKA_VALUE, CKR_ATTRIBUTE_SENSITIVE);
        EXPECT_EQ(attr_ulong(h, kek, CKA_KEY_TYPE), tkt);
        // The handshakes of keg.txt and kexp15.txt are the same: KEG's keys are KExp15's.
        EXPECT_EQ(to_hex(kv.bytes("keys")), to_hex(cat(ev.bytes("k_mac"), ev.bytes("k_enc"))));
        // KImp15 of the client's PMSEXP with the KEK in place.
        Bytes iv = ev.bytes("iv");
        CK_MECHANISM um =
            mech(kuz ? CKM_KUZNECHIK_KEXP_15_WRAP : CKM_MAGMA_KEXP_15_WRAP, iv.data(), iv.size());
        CK_OBJECT_HANDLE pms = 0;
        ASSERT_EQ(unwrap(um, kek, ev.bytes("exported"), &pms), CKR_OK);
        EXPECT_EQ(to_hex(attr(h, pms, CKA_VALUE)), to_hex(ev.bytes("key")));
        kv.ignore({"d_eph", "q_s_x", "q_s_y", "vko"});
    }
}

// ---- CryptoPro key wrap (RFC 4357 §6.3-6.5; RFC 9189 App. A.2.2, tc26 Z S-boxes) ----

TEST_F(P11Sym, Gost28147KeyWrapVector) {
    const auto v = load_vectors("keywrap.txt").at(0);
    const CK_OBJECT_HANDLE kek = secret(CKK_GOST28147, v.bytes("k_exp"), false, oid_28147_z);
    Bytes iv = v.bytes("iv");
    CK_MECHANISM m = mech(CKM_GOST28147_KEY_WRAP, iv.data(), iv.size());
    const Bytes exported = v.bytes("exported"), pms = v.bytes("pms");
    CK_OBJECT_HANDLE u = 0;
    ASSERT_EQ(unwrap(m, kek, exported, &u), CKR_OK);
    EXPECT_EQ(to_hex(attr(h, u, CKA_VALUE)), to_hex(pms));
    CK_MECHANISM no_ukm = mech(CKM_GOST28147_KEY_WRAP);
    ASSERT_EQ(unwrap(no_ukm, kek, exported, &u, CKK_GOST28147), CKR_OK);
    const CK_OBJECT_HANDLE target = secret(CKK_GENERIC_SECRET, pms, true);
    Bytes out;
    ASSERT_EQ(wrap(m, kek, target, out), CKR_OK);
    EXPECT_EQ(to_hex(out), to_hex(exported));
    // Without a UKM a random one is drawn: the result unwraps to the same key.
    ASSERT_EQ(wrap(no_ukm, kek, target, out), CKR_OK);
    ASSERT_EQ(out.size(), 44u);
    ASSERT_EQ(unwrap(no_ukm, kek, out, &u), CKR_OK);
    EXPECT_EQ(to_hex(attr(h, u, CKA_VALUE)), to_hex(pms));
    Bytes bad = exported;
    bad[20] ^= 1;
    EXPECT_EQ(unwrap(m, kek, bad, &u), CKR_WRAPPED_KEY_INVALID);
    Bytes other_ukm = iv;
    other_ukm[0] ^= 1;
    CK_MECHANISM mo = mech(CKM_GOST28147_KEY_WRAP, other_ukm.data(), other_ukm.size());
    EXPECT_EQ(unwrap(mo, kek, exported, &u), CKR_WRAPPED_KEY_INVALID);
    EXPECT_EQ(unwrap(m, kek, Bytes(exported.begin(), exported.end() - 1), &u),
              CKR_WRAPPED_KEY_LEN_RANGE);
    v.ignore({"param_set_oid", "param_set_28147", "d_s", "q_s_x", "q_s_y", "d_eph", "q_eph_x",
              "q_eph_y", "h"});
}

// The CNT_IMIT server (RFC 9189 App. A.2.2): VKO_256 on the token from the server's tc26-512-A
// key to a 28147 KEK under tc26 Z, then the CryptoPro unwrap of the PMS — the KEK never leaves.
TEST_F(P11Sym, TlsServerVkoThenCryptoProUnwrap) {
    const auto v = load_vectors("keywrap.txt").at(0);
    ASSERT_EQ(v.str("param_set_oid"), "1.2.643.7.1.2.1.2.1");
    ASSERT_EQ(v.str("param_set_28147"), "id-tc26-gost-28147-param-Z");
    CK_OBJECT_CLASS pc = CKO_PRIVATE_KEY;
    CK_KEY_TYPE pkt = CKK_GOSTR3410_512;
    Bytes d = v.bytes("d_s");
    std::reverse(d.begin(), d.end());
    CK_ATTRIBUTE pt[] = {{CKA_CLASS, &pc, sizeof pc},
                         {CKA_KEY_TYPE, &pkt, sizeof pkt},
                         {CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(oid_tc26_512_a.data()),
                          oid_tc26_512_a.size()},
                         {CKA_VALUE, d.data(), d.size()},
                         {CKA_TOKEN, &yes, 1},
                         {CKA_DERIVE, &yes, 1}};
    CK_OBJECT_HANDLE priv = 0;
    ASSERT_EQ(f->C_CreateObject(h, pt, 6, &priv), CKR_OK);
    Bytes x = v.bytes("q_eph_x"), y = v.bytes("q_eph_y");
    std::reverse(x.begin(), x.end());
    std::reverse(y.begin(), y.end());
    Bytes peer = cat(x, y), ukm = v.bytes("iv");  // UKM = H[1..8]
    CK_GOSTR3410_DERIVE_PARAMS dp{CKD_NULL, peer.data(), peer.size(), ukm.data(), ukm.size()};
    CK_MECHANISM dm = mech(CKM_GOSTR3410_12_DERIVE, &dp, sizeof dp);
    CK_OBJECT_CLASS sc = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GOST28147;
    CK_ULONG len = 32;
    CK_ATTRIBUTE kt_[] = {
        {CKA_CLASS, &sc, sizeof sc},
        {CKA_KEY_TYPE, &kt, sizeof kt},
        {CKA_VALUE_LEN, &len, sizeof len},
        {CKA_GOST28147_PARAMS, const_cast<std::uint8_t*>(oid_28147_z.data()), oid_28147_z.size()},
        {CKA_UNWRAP, &yes, 1}};
    CK_OBJECT_HANDLE kek = 0;
    ASSERT_EQ(f->C_DeriveKey(h, &dm, priv, kt_, 5, &kek), CKR_OK);
    attr(h, kek, CKA_VALUE, CKR_ATTRIBUTE_SENSITIVE);
    CK_MECHANISM um = mech(CKM_GOST28147_KEY_WRAP);
    CK_OBJECT_HANDLE pms = 0;
    ASSERT_EQ(unwrap(um, kek, v.bytes("exported"), &pms), CKR_OK);
    EXPECT_EQ(to_hex(attr(h, pms, CKA_VALUE)), to_hex(v.bytes("pms")));
    v.ignore({"name", "k_exp", "d_eph", "q_s_x", "q_s_y", "h"});
    EXPECT_TRUE(v.unconsumed().empty());
}

// ---- KDF_TREE_GOSTR3411_2012_256 (RFC 7836 App. B) ----

TEST_F(P11Sym, KdfTreeVector) {
    const auto all = load_vectors("hmac_kdf.txt");
    const auto it = std::find_if(all.begin(), all.end(),
                                 [](const VectorRecord& v) { return v.str("type") == "KDF_TREE"; });
    ASSERT_NE(it, all.end());
    const VectorRecord& rec = *it;
    const Bytes key = rec.bytes("key"), out = cat(rec.bytes("k1"), rec.bytes("k2"));
    ASSERT_EQ(rec.number("l_bits"), 8 * out.size());
    Bytes label = rec.bytes("label"), seed = rec.bytes("seed");
    const CK_ULONG r = rec.number("r_bytes");
    const CK_OBJECT_HANDLE base = secret(CKK_GENERIC_SECRET, key);
    for (CK_ULONG offset : {CK_ULONG{0}, CK_ULONG{32}}) {
        CK_KDF_TREE_GOST_PARAMS p{label.size(), label.data(), seed.size(), seed.data(), r,
                                  out.size(),   offset};
        CK_MECHANISM m = mech(CKM_KDF_TREE_GOSTR3411_2012_256, &p, sizeof p);
        CK_OBJECT_CLASS c = CKO_SECRET_KEY;
        CK_KEY_TYPE kt = CKK_KUZNECHIK;
        CK_ATTRIBUTE t[] = {{CKA_CLASS, &c, sizeof c},
                            {CKA_KEY_TYPE, &kt, sizeof kt},
                            {CKA_SENSITIVE, &no, 1},
                            {CKA_EXTRACTABLE, &yes, 1}};
        CK_OBJECT_HANDLE k = 0;
        ASSERT_EQ(f->C_DeriveKey(h, &m, base, t, 4, &k), CKR_OK);
        EXPECT_EQ(to_hex(attr(h, k, CKA_VALUE)),
                  to_hex(Bytes(out.begin() + static_cast<std::ptrdiff_t>(offset),
                               out.begin() + static_cast<std::ptrdiff_t>(offset + 32))));
        // Past the end of the ulL bytes: refused.
        p.ulOffset = out.size() - 16;
        EXPECT_EQ(f->C_DeriveKey(h, &m, base, t, 4, &k), CKR_MECHANISM_PARAM_INVALID);
    }
    CK_KDF_TREE_GOST_PARAMS p{label.size(), label.data(), seed.size(), seed.data(), 0, 64, 0};
    CK_MECHANISM m = mech(CKM_KDF_TREE_GOSTR3411_2012_256, &p, sizeof p);
    CK_OBJECT_HANDLE k = 0;
    EXPECT_EQ(f->C_DeriveKey(h, &m, base, nullptr, 0, &k), CKR_MECHANISM_PARAM_INVALID);  // R=0
    m.ulParameterLen -= 1;
    EXPECT_EQ(f->C_DeriveKey(h, &m, base, nullptr, 0, &k), CKR_MECHANISM_PARAM_INVALID);
    // The base key must allow derivation.
    CK_OBJECT_CLASS c = CKO_SECRET_KEY;
    CK_KEY_TYPE gt = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &c, sizeof c},
                        {CKA_KEY_TYPE, &gt, sizeof gt},
                        {CKA_VALUE, const_cast<std::uint8_t*>(key.data()), key.size()}};
    CK_OBJECT_HANDLE no_derive = 0;
    ASSERT_EQ(f->C_CreateObject(h, t, 3, &no_derive), CKR_OK);
    p.ulR = 1;
    m.ulParameterLen = sizeof p;
    EXPECT_EQ(f->C_DeriveKey(h, &m, no_derive, nullptr, 0, &k), CKR_KEY_FUNCTION_NOT_PERMITTED);
    rec.ignore({"hash_bits", "name"});
    EXPECT_TRUE(rec.unconsumed().empty());
}

// ---- bad inputs of the cipher calls ----

TEST_F(P11Sym, CipherRefusals) {
    const Bytes kv(32, 0x42);
    const CK_OBJECT_HANDLE kuz = secret(CKK_KUZNECHIK, kv), mag = secret(CKK_MAGMA, kv);
    CK_MECHANISM ecb = mech(CKM_KUZNECHIK_ECB);
    Bytes out;
    EXPECT_EQ(crypt(true, ecb, mag, Bytes(16), out), CKR_KEY_TYPE_INCONSISTENT);
    EXPECT_EQ(crypt(true, ecb, 999999, Bytes(16), out), CKR_KEY_HANDLE_INVALID);
    EXPECT_EQ(crypt(true, ecb, kuz, Bytes(15), out), CKR_DATA_LEN_RANGE);
    EXPECT_EQ(crypt(false, ecb, kuz, Bytes(17), out), CKR_ENCRYPTED_DATA_LEN_RANGE);
    EXPECT_EQ(crypt_parts(true, ecb, kuz, Bytes(20), {5}, out), CKR_DATA_LEN_RANGE);
    CK_MECHANISM ecb_param = mech(CKM_KUZNECHIK_ECB, out.data(), 8);
    EXPECT_EQ(crypt(true, ecb_param, kuz, Bytes(16), out), CKR_MECHANISM_PARAM_INVALID);
    // CTR-ACPKM: ICN of n/2 bytes, sections of whole blocks.
    Bytes icn(8, 1);
    CK_MECHANISM ctr = mech(CKM_KUZNECHIK_CTR_ACPKM, icn.data(), 7);
    EXPECT_EQ(crypt(true, ctr, kuz, Bytes(5), out), CKR_MECHANISM_PARAM_INVALID);
    CK_GOSTCSP_CTR_ACPKM_PARAMS cp{24, icn.data(), icn.size()};
    CK_MECHANISM ctr2 = mech(CKM_KUZNECHIK_CTR_ACPKM, &cp, sizeof cp);
    EXPECT_EQ(crypt(true, ctr2, kuz, Bytes(5), out), CKR_MECHANISM_PARAM_INVALID);
    // MGM: nonce of n bytes with the top bit clear, tags of 32..n*8 whole-byte bits.
    Bytes nonce(16, 0x11);
    CK_GOSTCSP_MGM_PARAMS mp{nonce.data(), nonce.size(), nullptr, 0, 128};
    CK_MECHANISM mgm = mech(CKM_KUZNECHIK_MGM, &mp, sizeof mp);
    EXPECT_EQ(crypt(false, mgm, kuz, Bytes(15), out), CKR_ENCRYPTED_DATA_LEN_RANGE);
    mp.ulTagBits = 24;
    EXPECT_EQ(crypt(true, mgm, kuz, Bytes(5), out), CKR_MECHANISM_PARAM_INVALID);
    mp.ulTagBits = 129;
    EXPECT_EQ(crypt(true, mgm, kuz, Bytes(5), out), CKR_MECHANISM_PARAM_INVALID);
    mp.ulTagBits = 64;
    nonce[0] = 0x80;
    EXPECT_EQ(crypt(true, mgm, kuz, Bytes(5), out), CKR_MECHANISM_PARAM_INVALID);
    mp.ulNonceLen = 8;
    nonce[0] = 0;
    EXPECT_EQ(crypt(true, mgm, kuz, Bytes(5), out), CKR_MECHANISM_PARAM_INVALID);
    mp.ulNonceLen = 16;
    ASSERT_EQ(crypt(true, mgm, kuz, Bytes(5), out), CKR_OK);
    EXPECT_EQ(out.size(), 5u + 8u);  // a 64-bit tag
    // 28147: an IV of 8 bytes or none.
    const CK_OBJECT_HANDLE g = secret(CKK_GOST28147, kv);
    CK_MECHANISM cfb = mech(CKM_GOST28147, icn.data(), 7);
    EXPECT_EQ(crypt(true, cfb, g, Bytes(5), out), CKR_MECHANISM_PARAM_INVALID);
    CK_MECHANISM cfb0 = mech(CKM_GOST28147);
    EXPECT_EQ(crypt(true, cfb0, g, Bytes(5), out), CKR_OK);
    // CKA_ENCRYPT FALSE.
    CK_OBJECT_CLASS c = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_KUZNECHIK;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &c, sizeof c},
                        {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_VALUE, const_cast<std::uint8_t*>(kv.data()), kv.size()}};
    CK_OBJECT_HANDLE plain = 0;
    ASSERT_EQ(f->C_CreateObject(h, t, 3, &plain), CKR_OK);
    EXPECT_EQ(crypt(true, ecb, plain, Bytes(16), out), CKR_KEY_FUNCTION_NOT_PERMITTED);
    // MACs: the key type, the MAC length parameter.
    CK_MECHANISM kmac = mech(CKM_KUZNECHIK_MAC);
    EXPECT_EQ(f->C_SignInit(h, &kmac, mag), CKR_KEY_TYPE_INCONSISTENT);
    CK_ULONG too_long = 17;
    CK_MECHANISM kmac17 = mech(CKM_KUZNECHIK_MAC, &too_long, sizeof too_long);
    EXPECT_EQ(f->C_SignInit(h, &kmac17, kuz), CKR_MECHANISM_PARAM_INVALID);
    // A second init while one runs; single-part after an update.
    ASSERT_EQ(f->C_EncryptInit(h, &ecb, kuz), CKR_OK);
    EXPECT_EQ(f->C_EncryptInit(h, &ecb, kuz), CKR_OPERATION_ACTIVE);
    Bytes blk(16), o2(32);
    CK_ULONG n = o2.size();
    ASSERT_EQ(f->C_EncryptUpdate(h, blk.data(), blk.size(), o2.data(), &n), CKR_OK);
    n = o2.size();
    EXPECT_EQ(f->C_Encrypt(h, blk.data(), blk.size(), o2.data(), &n), CKR_OPERATION_ACTIVE);
    // Short buffer keeps the operation.
    ASSERT_EQ(f->C_EncryptInit(h, &ecb, kuz), CKR_OK);
    n = 8;
    EXPECT_EQ(f->C_Encrypt(h, blk.data(), blk.size(), o2.data(), &n), CKR_BUFFER_TOO_SMALL);
    EXPECT_EQ(n, 16u);
    EXPECT_EQ(f->C_Encrypt(h, blk.data(), blk.size(), o2.data(), &n), CKR_OK);
}

TEST_F(P11Sym, MechanismsAreListed) {
    CK_ULONG n = 0;
    ASSERT_EQ(f->C_GetMechanismList(slot, nullptr, &n), CKR_OK);
    std::vector<CK_MECHANISM_TYPE> list(n);
    ASSERT_EQ(f->C_GetMechanismList(slot, list.data(), &n), CKR_OK);
    struct {
        CK_MECHANISM_TYPE m;
        CK_FLAGS flags;
    } want[] = {
        {CKM_KUZNECHIK_KEY_GEN, CKF_GENERATE},  {CKM_KUZNECHIK_ECB, CKF_ENCRYPT | CKF_DECRYPT},
        {CKM_KUZNECHIK_CTR_ACPKM, CKF_ENCRYPT}, {CKM_KUZNECHIK_MAC, CKF_SIGN | CKF_VERIFY},
        {CKM_KUZNECHIK_MGM, CKF_DECRYPT},       {CKM_KUZNECHIK_KEXP_15_WRAP, CKF_UNWRAP},
        {CKM_MAGMA_KEY_GEN, CKF_GENERATE},      {CKM_MAGMA_ECB, CKF_ENCRYPT},
        {CKM_MAGMA_CTR_ACPKM, CKF_DECRYPT},     {CKM_MAGMA_MAC, CKF_SIGN},
        {CKM_MAGMA_MGM, CKF_ENCRYPT},           {CKM_MAGMA_KEXP_15_WRAP, CKF_WRAP},
        {CKM_GOST28147_KEY_GEN, CKF_GENERATE},  {CKM_GOST28147_ECB, CKF_ENCRYPT},
        {CKM_GOST28147, CKF_ENCRYPT},           {CKM_GOST28147_MAC, CKF_VERIFY},
        {CKM_GOST28147_KEY_WRAP, CKF_WRAP},     {CKM_KDF_TREE_GOSTR3411_2012_256, CKF_DERIVE},
    };
    for (const auto& w : want) {
        EXPECT_NE(std::find(list.begin(), list.end(), w.m), list.end()) << std::hex << w.m;
        CK_MECHANISM_INFO info{};
        ASSERT_EQ(f->C_GetMechanismInfo(slot, w.m, &info), CKR_OK);
        EXPECT_EQ(info.flags & w.flags, w.flags) << std::hex << w.m;
    }
}

// ---- differential: random keys, IVs and messages against gost-engine's gostprov ----

namespace {

struct Gostprov {
    OSSL_LIB_CTX* ctx = OSSL_LIB_CTX_new();
    OSSL_PROVIDER* prov = nullptr;
    OSSL_PROVIDER* def = nullptr;
    Gostprov() {
        if (const char* dir = OPENSSL_info(OPENSSL_INFO_MODULES_DIR))
            OSSL_PROVIDER_set_default_search_path(ctx, dir);
        prov = OSSL_PROVIDER_load(ctx, "gostprov");
        def = OSSL_PROVIDER_load(ctx, "default");  // CMAC lives there
    }
    ~Gostprov() {
        if (prov != nullptr) OSSL_PROVIDER_unload(prov);
        if (def != nullptr) OSSL_PROVIDER_unload(def);
        OSSL_LIB_CTX_free(ctx);
    }
    // One-shot encryption with `name`; empty on failure.
    Bytes encrypt(const char* name, const Bytes& key, const Bytes& iv, const Bytes& in) const {
        Bytes out(in.size() + 32);
        EVP_CIPHER* c = EVP_CIPHER_fetch(ctx, name, nullptr);
        EVP_CIPHER_CTX* x = EVP_CIPHER_CTX_new();
        int n1 = 0, n2 = 0;
        bool ok =
            c != nullptr && x != nullptr &&
            EVP_EncryptInit_ex2(x, c, key.data(), iv.empty() ? nullptr : iv.data(), nullptr) == 1 &&
            EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
            EVP_EncryptUpdate(x, out.data(), &n1, in.data(), static_cast<int>(in.size())) == 1 &&
            EVP_EncryptFinal_ex(x, out.data() + n1, &n2) == 1;
        EVP_CIPHER_CTX_free(x);
        EVP_CIPHER_free(c);
        if (!ok) return {};
        out.resize(static_cast<std::size_t>(n1 + n2));
        return out;
    }
    // A MAC over `in` with EVP_MAC `name` (CMAC: over gostprov's `cipher`); empty on failure.
    Bytes mac(const char* name, const char* cipher, const Bytes& key, const Bytes& in) const {
        EVP_MAC* m = EVP_MAC_fetch(ctx, name, nullptr);
        EVP_MAC_CTX* x = m != nullptr ? EVP_MAC_CTX_new(m) : nullptr;
        std::string c = cipher != nullptr ? cipher : "";
        OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string("cipher", c.data(), 0), OSSL_PARAM_END};
        Bytes out(64);
        std::size_t n = 0;
        bool ok = x != nullptr &&
                  EVP_MAC_init(x, key.data(), key.size(), cipher != nullptr ? p : nullptr) == 1 &&
                  EVP_MAC_update(x, in.data(), in.size()) == 1 &&
                  EVP_MAC_final(x, out.data(), &n, out.size()) == 1;
        EVP_MAC_CTX_free(x);
        EVP_MAC_free(m);
        if (!ok) return {};
        out.resize(n);
        return out;
    }
};

}  // namespace

TEST_F(P11Sym, MacDifferentialAgainstGostprov) {
    Gostprov peer;
    if (peer.prov == nullptr) GTEST_SKIP() << "gost-engine's gostprov is not installed";
    std::mt19937_64 rng(4357);
    // gostprov's own magma-mac/kuznyechik-mac need the default library context; OMAC is CMAC,
    // so OpenSSL's CMAC over gostprov's CBC ciphers is the peer for those.
    struct Case {
        const char* name;
        const char* cipher;
        CK_KEY_TYPE kt;
        CK_MECHANISM_TYPE mech;
        std::size_t size;
    } cases[] = {
        {"CMAC", "kuznyechik-cbc", CKK_KUZNECHIK, CKM_KUZNECHIK_MAC, 16},
        {"CMAC", "magma-cbc", CKK_MAGMA, CKM_MAGMA_MAC, 8},
        {"gost-mac-12", nullptr, CKK_GOST28147, CKM_GOST28147_MAC, 4},  // IMIT, tc26 Z, meshing
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.cipher != nullptr ? c.cipher : c.name);
        for (int i = 0; i < 100; ++i) {
            Bytes key(32), data(rng() % 3000);
            for (auto& b : key) b = static_cast<std::uint8_t>(rng());
            for (auto& b : data) b = static_cast<std::uint8_t>(rng());
            const Bytes want = peer.mac(c.name, c.cipher, key, data);
            ASSERT_EQ(want.size(), c.size) << "gostprov failed";
            const CK_OBJECT_HANDLE k =
                secret(c.kt, key, false, c.kt == CKK_GOST28147 ? oid_28147_z : Bytes{});
            ASSERT_EQ(to_hex(mac(mech(c.mech), k, data, i % 2 == 1)), to_hex(want))
                << "case " << i << " len " << data.size();
            ASSERT_EQ(f->C_DestroyObject(h, k), CKR_OK);
        }
    }
}

TEST_F(P11Sym, DifferentialAgainstGostprov) {
    Gostprov peer;
    if (peer.prov == nullptr) GTEST_SKIP() << "gost-engine's gostprov is not installed";
    std::mt19937_64 rng(20261204);
    auto random_bytes = [&](std::size_t n) {
        Bytes b(n);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
        return b;
    };
    struct Case {
        const char* name;
        CK_KEY_TYPE kt;
        CK_MECHANISM_TYPE mech;
        std::size_t iv;
        std::size_t block;  // 0: any length
    } cases[] = {
        {"kuznyechik-ctr-acpkm", CKK_KUZNECHIK, CKM_KUZNECHIK_CTR_ACPKM, 8, 0},
        {"magma-ctr-acpkm", CKK_MAGMA, CKM_MAGMA_CTR_ACPKM, 4, 0},
        {"kuznyechik-ecb", CKK_KUZNECHIK, CKM_KUZNECHIK_ECB, 0, 16},
        // gostprov's gost89 is CFB with key meshing under tc26 Z when CRYPT_PARAMS is unset.
        {"gost89", CKK_GOST28147, CKM_GOST28147, 8, 0},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        int run = 0;
        for (int i = 0; i < 150; ++i) {
            const Bytes key = random_bytes(32);
            Bytes iv = random_bytes(c.iv);
            std::size_t len = rng() % 9000;
            if (c.block != 0) len -= len % c.block;
            const Bytes pt = random_bytes(len);
            const Bytes want = peer.encrypt(c.name, key, iv, pt);
            ASSERT_EQ(want.size(), pt.size()) << "gostprov failed";
            const CK_OBJECT_HANDLE k =
                secret(c.kt, key, false, c.kt == CKK_GOST28147 ? oid_28147_z : Bytes{});
            CK_MECHANISM m = mech(c.mech, iv.empty() ? nullptr : iv.data(), iv.size());
            Bytes got;
            const std::size_t cut = len == 0 ? 0 : rng() % len;
            ASSERT_EQ(crypt_parts(true, m, k, pt, {cut, cut + rng() % 2000}, got), CKR_OK);
            ASSERT_EQ(to_hex(got), to_hex(want)) << "case " << i << " len " << len;
            Bytes back;
            ASSERT_EQ(crypt(false, m, k, want, back), CKR_OK);
            ASSERT_EQ(back, pt);
            ASSERT_EQ(f->C_DestroyObject(h, k), CKR_OK);
            ++run;
        }
        EXPECT_EQ(run, 150);
    }
}
