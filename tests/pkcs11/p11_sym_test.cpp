// SPDX-License-Identifier: Apache-2.0
// Symmetric-key mechanisms of the module: CKM_GOST_KEG in C_DeriveKey against the RFC 9189
// handshake examples A.1.3.1 (256-bit server key) and A.1.3.2 (512-bit), computed on the token
// from the server's imported private key, and its error paths.
#include <gtest/gtest.h>

#include <algorithm>

#include "p11_harness.hpp"
#include "vector_file.hpp"

using namespace p11test;

namespace {

CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

Bytes reversed(Bytes b) {
    std::reverse(b.begin(), b.end());
    return b;
}

class P11Keg : public P11Test {
  protected:
    CK_SLOT_ID slot = 0;
    CK_SESSION_HANDLE h = 0;
    void SetUp() override {
        P11Test::SetUp();
        slot = ready_token();
        h = user_session(slot);
    }
    // Imports a private key d (big-endian integer bytes, as the RFC prints it).
    CK_OBJECT_HANDLE import_private(const Bytes& params_der, const Bytes& d_be, bool is512,
                                    CK_BBOOL derive = CK_TRUE) {
        CK_OBJECT_CLASS c = CKO_PRIVATE_KEY;
        CK_KEY_TYPE kt = is512 ? CKK_GOSTR3410_512 : CKK_GOSTR3410;
        Bytes d = reversed(d_be);
        CK_ATTRIBUTE t[] = {
            {CKA_CLASS, &c, sizeof c},
            {CKA_KEY_TYPE, &kt, sizeof kt},
            {CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(params_der.data()), params_der.size()},
            {CKA_VALUE, d.data(), d.size()},
            {CKA_PRIVATE, &yes, 1},
            {CKA_TOKEN, &yes, 1},  // imported private keys live on the token
            {CKA_DERIVE, &derive, 1}};
        CK_OBJECT_HANDLE o = 0;
        EXPECT_EQ(f->C_CreateObject(h, t, 7, &o), CKR_OK);
        return o;
    }
    CK_RV keg(CK_OBJECT_HANDLE priv, Bytes peer_xy, Bytes ukm, CK_OBJECT_HANDLE* out,
              bool extractable = true, CK_ULONG value_len = 64) {
        CK_VENDOR_GOST_KEG_PARAMS p{peer_xy.data(), peer_xy.size(), ukm.data(), ukm.size()};
        CK_MECHANISM m{CKM_GOST_KEG, &p, sizeof p};
        CK_OBJECT_CLASS sc = CKO_SECRET_KEY;
        CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
        CK_ATTRIBUTE t[] = {{CKA_CLASS, &sc, sizeof sc},
                            {CKA_KEY_TYPE, &kt, sizeof kt},
                            {CKA_SENSITIVE, extractable ? &no : &yes, 1},
                            {CKA_EXTRACTABLE, extractable ? &yes : &no, 1},
                            {CKA_VALUE_LEN, &value_len, sizeof value_len}};
        return f->C_DeriveKey(h, &m, priv, t, 5, out);
    }
};

Bytes le_xy(const gostcsp::test::VectorRecord& rec, const char* x, const char* y) {
    Bytes xy = reversed(rec.bytes(x));
    const Bytes yy = reversed(rec.bytes(y));
    xy.insert(xy.end(), yy.begin(), yy.end());
    return xy;
}

}  // namespace

TEST_F(P11Keg, Rfc9189HandshakeExamplesOnTheToken) {
    const auto recs = gostcsp::test::load_vectors("keg.txt");
    ASSERT_EQ(recs.size(), 2u);
    for (const auto& rec : recs) {
        SCOPED_TRACE(rec.name());
        const bool is512 = rec.str("param_set_oid") == "1.2.643.7.1.2.1.2.3";
        const Bytes& params = is512 ? oid_tc26_512_c : oid_cryptopro_a;
        // The server: its private key on the token, the client's ephemeral key as the peer.
        const CK_OBJECT_HANDLE d_s = import_private(params, rec.bytes("d_s"), is512);
        const CK_OBJECT_HANDLE d_eph = import_private(params, rec.bytes("d_eph"), is512);
        CK_OBJECT_HANDLE k = 0;
        ASSERT_EQ(keg(d_s, le_xy(rec, "q_eph_x", "q_eph_y"), rec.bytes("h"), &k), CKR_OK);
        EXPECT_EQ(to_hex(attr(h, k, CKA_VALUE)), to_hex(rec.bytes("keys")));
        EXPECT_EQ(attr_ulong(h, k, CKA_VALUE_LEN), 64u);
        EXPECT_EQ(attr_ulong(h, k, CKA_CLASS), CKO_SECRET_KEY);
        // The client side gives the same keys.
        ASSERT_EQ(keg(d_eph, le_xy(rec, "q_s_x", "q_s_y"), rec.bytes("h"), &k), CKR_OK);
        EXPECT_EQ(to_hex(attr(h, k, CKA_VALUE)), to_hex(rec.bytes("keys")));
        // A sensitive result stays on the token.
        ASSERT_EQ(keg(d_s, le_xy(rec, "q_eph_x", "q_eph_y"), rec.bytes("h"), &k, false), CKR_OK);
        attr(h, k, CKA_VALUE, CKR_ATTRIBUTE_SENSITIVE);
        rec.ignore({"vko"});
        EXPECT_TRUE(rec.unconsumed().empty());
    }
}

TEST_F(P11Keg, ErrorPaths) {
    const auto rec = gostcsp::test::load_vectors("keg.txt").at(0);
    const CK_OBJECT_HANDLE d_s = import_private(oid_cryptopro_a, rec.bytes("d_s"), false);
    const Bytes peer = le_xy(rec, "q_eph_x", "q_eph_y"), ukm = rec.bytes("h");
    CK_OBJECT_HANDLE k = 0;
    // the UKM of KEG is H, exactly 32 bytes
    EXPECT_EQ(keg(d_s, peer, Bytes(ukm.begin(), ukm.begin() + 16), &k),
              CKR_MECHANISM_PARAM_INVALID);
    EXPECT_EQ(keg(d_s, Bytes(peer.begin(), peer.end() - 1), ukm, &k), CKR_MECHANISM_PARAM_INVALID);
    Bytes off_curve = peer;
    off_curve[0] ^= 1;
    EXPECT_EQ(keg(d_s, off_curve, ukm, &k), CKR_MECHANISM_PARAM_INVALID);
    // KEG gives 64 bytes only
    EXPECT_EQ(keg(d_s, peer, ukm, &k, true, 32), CKR_TEMPLATE_INCONSISTENT);
    // the base key must allow derivation and be a private key
    const CK_OBJECT_HANDLE no_derive =
        import_private(oid_cryptopro_a, rec.bytes("d_eph"), false, CK_FALSE);
    EXPECT_EQ(keg(no_derive, peer, ukm, &k), CKR_KEY_FUNCTION_NOT_PERMITTED);
    ASSERT_EQ(keg(d_s, peer, ukm, &k), CKR_OK);
    EXPECT_EQ(keg(k, peer, ukm, &k), CKR_KEY_TYPE_INCONSISTENT);
    // a short parameter struct
    CK_VENDOR_GOST_KEG_PARAMS p{const_cast<std::uint8_t*>(peer.data()), peer.size(),
                                const_cast<std::uint8_t*>(ukm.data()), ukm.size()};
    CK_MECHANISM m{CKM_GOST_KEG, &p, sizeof p - 1};
    EXPECT_EQ(f->C_DeriveKey(h, &m, d_s, nullptr, 0, &k), CKR_MECHANISM_PARAM_INVALID);
    // the mechanism is listed with CKF_DERIVE
    CK_MECHANISM_INFO info{};
    ASSERT_EQ(f->C_GetMechanismInfo(slot, CKM_GOST_KEG, &info), CKR_OK);
    EXPECT_NE(info.flags & CKF_DERIVE, 0u);
    EXPECT_EQ(info.ulMinKeySize, 256u);
    EXPECT_EQ(info.ulMaxKeySize, 512u);
}
