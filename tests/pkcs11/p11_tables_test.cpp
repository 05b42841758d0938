// SPDX-License-Identifier: Apache-2.0
// Consistency of the module's data tables (attributes, mechanisms, error mapping, OID codec).
#include <gtest/gtest.h>

#include <set>

#include "attributes.hpp"
#include "gost_oid.hpp"
#include "mechanisms.hpp"
#include "rv_map.hpp"

using namespace gostcsp::p11;

TEST(P11Tables, AttributeRowsAreConsistent) {
    std::set<std::pair<CK_ATTRIBUTE_TYPE, unsigned>> seen;
    for (const auto& r : attribute_rules()) {
        EXPECT_NE(r.classes, 0u) << r.name;
        // At most one row per (type, class).
        for (unsigned bit = 1; bit <= cls_secret; bit <<= 1)
            if ((r.classes & bit) != 0) {
                EXPECT_TRUE(seen.insert({r.type, bit}).second) << r.name;
            }
        if ((r.flags & af_required) != 0) {
            EXPECT_NE(r.flags & af_create, 0u) << r.name;
        }
        if ((r.flags & (af_only_to_true | af_only_to_false)) != 0) {
            EXPECT_EQ(r.kind, AttrKind::boolean) << r.name;
        }
    }
    // The promise-bearing rows.
    const AttrRule* s = find_attr_rule(CKA_SENSITIVE);
    ASSERT_NE(s, nullptr);
    EXPECT_NE(s->flags & af_only_to_true, 0u);
    const AttrRule* e = find_attr_rule(CKA_EXTRACTABLE);
    ASSERT_NE(e, nullptr);
    EXPECT_NE(e->flags & af_only_to_false, 0u);
    for (auto t : {CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_KEY_GEN_MECHANISM}) {
        const AttrRule* r = find_attr_rule(t);
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(r->flags & (af_create | af_generate | af_modify), 0u) << r->name;
    }
}

TEST(P11Tables, DefaultsMakePrivateKeysSensitive) {
    AttrMap m;
    add_defaults(m, cls_private);
    EXPECT_TRUE(attr_bool(m, CKA_SENSITIVE, false));
    EXPECT_FALSE(attr_bool(m, CKA_EXTRACTABLE, true));
    EXPECT_TRUE(attr_bool(m, CKA_PRIVATE, false));
    AttrMap d;
    add_defaults(d, cls_data);
    EXPECT_FALSE(attr_bool(d, CKA_PRIVATE, true));
    EXPECT_EQ(d.count(CKA_SENSITIVE), 0u);
}

TEST(P11Tables, MechanismRowsMatchTheirKind) {
    std::set<CK_MECHANISM_TYPE> types;
    for (const auto& m : mechanism_table()) {
        EXPECT_TRUE(types.insert(m.type).second) << m.name;
        EXPECT_EQ(m.info.flags & CKF_HW, 0u);
        switch (m.kind) {
            case MechKind::keypair_gen:
                EXPECT_EQ(m.info.flags & CKF_GENERATE_KEY_PAIR, CKF_GENERATE_KEY_PAIR);
                EXPECT_EQ(m.info.ulMinKeySize, m.key_bits);
                break;
            case MechKind::raw_sign:
            case MechKind::hash_sign:
                EXPECT_EQ(m.info.flags & (CKF_SIGN | CKF_VERIFY), CKF_SIGN | CKF_VERIFY);
                EXPECT_EQ(m.info.ulMaxKeySize, m.key_bits);
                break;
            case MechKind::digest:
                EXPECT_EQ(m.info.flags, CKF_DIGEST);
                break;
            case MechKind::hmac:
                EXPECT_EQ(m.info.flags, CKF_SIGN | CKF_VERIFY);
                break;
            case MechKind::derive:
            case MechKind::keg:
            case MechKind::kdf_tree:
                EXPECT_NE(m.info.flags & CKF_DERIVE, 0u);
                break;
            case MechKind::secret_keygen:
                EXPECT_EQ(m.info.flags, CKF_GENERATE);
                EXPECT_NE(m.alg, SymAlg::none);
                break;
            case MechKind::cipher_ecb:
            case MechKind::cipher_ctr_acpkm:
            case MechKind::cipher_mgm:
            case MechKind::gost28147_stream:
                EXPECT_EQ(m.info.flags, CKF_ENCRYPT | CKF_DECRYPT) << m.name;
                EXPECT_EQ(m.info.ulMinKeySize, 32u);
                EXPECT_NE(m.alg, SymAlg::none);
                break;
            case MechKind::cipher_mac:
                EXPECT_EQ(m.info.flags, CKF_SIGN | CKF_VERIFY);
                EXPECT_NE(m.alg, SymAlg::none);
                break;
            case MechKind::kexp15_wrap:
            case MechKind::gost28147_wrap:
                EXPECT_EQ(m.info.flags, CKF_WRAP | CKF_UNWRAP);
                EXPECT_NE(m.alg, SymAlg::none);
                break;
        }
    }
    EXPECT_EQ(types.size(), 30u);
}

TEST(P11Tables, EveryKeystoreErrorHasASpecificRv) {
    using gostcsp::keystore::Error;
    for (int i = 1; i <= static_cast<int>(Error::internal); ++i) {
        auto e = static_cast<Error>(i);
        CK_RV rv = to_rv(e);
        if (e == Error::config_error || e == Error::internal) {
            EXPECT_EQ(rv, CKR_GENERAL_ERROR);
        } else {
            EXPECT_NE(rv, CKR_GENERAL_ERROR) << static_cast<int>(e);
        }
    }
    EXPECT_EQ(to_rv(Error::pin_expired), CKR_PIN_EXPIRED);
    EXPECT_EQ(to_rv(Error::crypto_failure, gostcsp::core::Status::invalid_public_key),
              CKR_MECHANISM_PARAM_INVALID);
}

TEST(P11Tables, OidCodecRoundTrips) {
    for (const auto& info : gostcsp::core::all_param_sets()) {
        Bytes der = oid_to_der(info.oid);
        ASSERT_FALSE(der.empty()) << info.name;
        EXPECT_EQ(der_to_oid(der.data(), der.size()).value_or(""), info.oid);
        EXPECT_EQ(param_set_from_der(der), info.id);
    }
    // 1.2.643.7.1.2.1.1.1 as X.690 encodes it (an independent spelling, RFC 9215 examples).
    Bytes tc26a{0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x01, 0x01};
    EXPECT_EQ(oid_to_der("1.2.643.7.1.2.1.1.1"), tc26a);
    Bytes truncated{0x06, 0x03, 0x2a, 0x85};
    EXPECT_FALSE(der_to_oid(truncated.data(), truncated.size()).has_value());
    Bytes open_end{0x06, 0x02, 0x2a, 0x85};
    EXPECT_FALSE(der_to_oid(open_end.data(), open_end.size()).has_value());
    EXPECT_TRUE(oid_to_der("1.2.x").empty());
}
