// SPDX-License-Identifier: Apache-2.0
// GOST R 34.10-2012 parameter sets: every embedded curve constant, OID and name against the
// verified tests/vectors/curves.txt (RFC 7836 App. A, RFC 4357 §11.4, RFC 9215), base-point order.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gostcsp/gost3410.hpp"
#include "gostcsp/params.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::load_vectors;
using gostcsp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::vector<std::string> split_list(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, sep)) {
        const auto b = item.find_first_not_of(' ');
        if (b == std::string::npos) continue;
        out.push_back(item.substr(b, item.find_last_not_of(' ') - b + 1));
    }
    return out;
}

std::string hex_of(std::span<const std::uint8_t> s) {
    return to_hex(s.data(), s.size());
}

}  // namespace

TEST(Params, EveryCurveConstantMatchesCurvesTxt) {
    const auto recs = load_vectors("curves.txt");
    ASSERT_EQ(recs.size(), all_param_sets().size());
    std::set<ParamSet> seen;
    for (const auto& rec : recs) {
        SCOPED_TRACE(rec.name());
        const auto set = param_set_from_name(rec.name());
        ASSERT_TRUE(set.has_value());
        seen.insert(*set);
        const ParamSetInfo& info = param_set_info(*set);
        EXPECT_EQ(info.id, *set);
        EXPECT_EQ(info.name, rec.name());
        EXPECT_EQ(info.oid, rec.str("oid"));
        EXPECT_EQ(info.bits, rec.number("bits"));
        EXPECT_EQ(info.cofactor, rec.number("cofactor"));
        const CurveParams& cp = curve_params(*set);
        EXPECT_EQ(cp.cofactor, rec.number("cofactor"));
        EXPECT_EQ(hex_of(cp.p), to_hex(rec.bytes("p")));
        EXPECT_EQ(hex_of(cp.a), to_hex(rec.bytes("a")));
        EXPECT_EQ(hex_of(cp.b), to_hex(rec.bytes("b")));
        EXPECT_EQ(hex_of(cp.q), to_hex(rec.bytes("q")));
        EXPECT_EQ(hex_of(cp.x), to_hex(rec.bytes("x")));
        EXPECT_EQ(hex_of(cp.y), to_hex(rec.bytes("y")));
        for (auto span : {cp.p, cp.a, cp.b, cp.q, cp.x, cp.y})
            EXPECT_EQ(span.size(), info.field_bytes());
        // aliases: exactly the lists in curves.txt, in the same order
        std::vector<std::string> oids, names;
        for (auto o : info.alias_oids) oids.emplace_back(o);
        for (auto n : info.alias_names) names.emplace_back(n);
        EXPECT_EQ(oids, rec.has("alias_oids") ? split_list(rec.str("alias_oids"), ',')
                                              : std::vector<std::string>{});
        EXPECT_EQ(names, rec.has("alias_names") ? split_list(rec.str("alias_names"), ',')
                                                : std::vector<std::string>{});
        // Documentation-only fields (m where printed, Edwards form, engine strings tested below).
        rec.ignore({"m", "e", "d", "u", "v", "gost_engine"});
        EXPECT_TRUE(rec.unconsumed().empty());
    }
    EXPECT_EQ(seen.size(), all_param_sets().size());
}

TEST(Params, EnumOrderAndSizes) {
    const auto sets = all_param_sets();
    ASSERT_EQ(sets.size(), 9u);
    for (std::size_t i = 0; i < sets.size(); ++i) {
        EXPECT_EQ(static_cast<std::size_t>(sets[i].id), i);
        EXPECT_EQ(&param_set_info(sets[i].id), &sets[i]);
        EXPECT_EQ(sets[i].public_key_bytes(), sets[i].bits / 4);
        EXPECT_EQ(sets[i].signature_bytes(), sets[i].bits / 4);
    }
}

TEST(Params, LookupByOidAndName) {
    for (const auto& rec : load_vectors("curves.txt")) {
        SCOPED_TRACE(rec.name());
        const auto set = param_set_from_name(rec.name());
        ASSERT_TRUE(set.has_value());
        EXPECT_EQ(param_set_from_oid(rec.str("oid")), set);
        if (rec.has("alias_oids")) {
            for (const auto& o : split_list(rec.str("alias_oids"), ','))
                EXPECT_EQ(param_set_from_oid(o), set) << o;
        }
        if (rec.has("alias_names")) {
            for (const auto& n : split_list(rec.str("alias_names"), ','))
                EXPECT_EQ(param_set_from_name(n), set) << n;
        }
    }
    EXPECT_FALSE(param_set_from_oid("1.2.643.7.1.2.1.1.5").has_value());
    EXPECT_FALSE(param_set_from_oid("").has_value());
    EXPECT_FALSE(param_set_from_name("A").has_value());  // short names only via the engine map
    EXPECT_FALSE(param_set_from_name("id-tc26-gost-3410-2012-256-paramseta").has_value());
}

// gost-engine's `paramset:` spellings (design.md "Naming trap"), checked against the
// gost_engine strings curves.txt lists per curve (which check_vectors.py verified with the engine).
TEST(Params, GostEngineShortNames) {
    int checked = 0;
    for (const auto& rec : load_vectors("curves.txt")) {
        const auto set = param_set_from_name(rec.name());
        ASSERT_TRUE(set.has_value());
        for (const auto& entry : split_list(rec.str("gost_engine"), ' ')) {
            const auto colon = entry.find(':');
            ASSERT_NE(colon, std::string::npos);
            const std::string alg = entry.substr(0, colon), ps = entry.substr(colon + 1);
            const unsigned bits = alg == "gost2012_256" ? 256 : alg == "gost2012_512" ? 512 : 0;
            ASSERT_NE(bits, 0u) << entry;
            if (ps.find('.') != std::string::npos) {
                EXPECT_EQ(param_set_from_oid(ps), set) << entry;
            } else {
                EXPECT_EQ(param_set_from_gost_engine_name(bits, ps), set) << entry;
                ++checked;
            }
        }
    }
    EXPECT_GE(checked, 10);
    // the trap itself: "A" is a different curve for each size
    EXPECT_EQ(param_set_from_gost_engine_name(256, "A"), ParamSet::tc26_256_b);
    EXPECT_EQ(param_set_from_gost_engine_name(512, "A"), ParamSet::tc26_512_a);
    EXPECT_EQ(param_set_from_gost_engine_name(256, "TCA"), ParamSet::tc26_256_a);
    EXPECT_EQ(param_set_from_gost_engine_name(256, "XA"), ParamSet::tc26_256_b);
    EXPECT_EQ(param_set_from_gost_engine_name(256, "XB"), ParamSet::tc26_256_d);
    EXPECT_FALSE(param_set_from_gost_engine_name(512, "TCA").has_value());
    EXPECT_FALSE(param_set_from_gost_engine_name(512, "XA").has_value());
    EXPECT_FALSE(param_set_from_gost_engine_name(384, "A").has_value());
    EXPECT_FALSE(param_set_from_gost_engine_name(256, "a").has_value());
}

// G is on the curve and q·G = O through every scalar multiplier of the core.
TEST(Params, BasePointHasOrderQ) {
    for (const auto& info : all_param_sets()) {
        EXPECT_EQ(gostcsp::core::testing::check_base_point(info.id), Status::ok) << info.name;
    }
}

// d = 1 gives G and d = q − 1 gives −G = (x, p − y): the scalar multiplier agrees with curves.txt.
TEST(Params, PublicKeysOfOneAndMinusOne) {
    for (const auto& rec : load_vectors("curves.txt")) {
        SCOPED_TRACE(rec.name());
        const auto set = *param_set_from_name(rec.name());
        const std::size_t n = param_set_info(set).field_bytes();
        auto le = [](Bytes v) {
            std::reverse(v.begin(), v.end());
            return v;
        };
        const Bytes x = le(rec.bytes("x")), y = le(rec.bytes("y")), p = le(rec.bytes("p")),
                    q = le(rec.bytes("q"));
        Bytes one(n, 0);
        one[0] = 1;
        PrivateKey k1;
        ASSERT_EQ(PrivateKey::from_le_bytes(set, one, k1), Status::ok);
        PublicKey pub;
        ASSERT_EQ(k1.derive_public(pub), Status::ok);
        Bytes g = x;
        g.insert(g.end(), y.begin(), y.end());
        EXPECT_EQ(to_hex(pub.le_xy()), to_hex(g));
        Bytes qm1 = q;
        qm1[0] = static_cast<std::uint8_t>(qm1[0] - 1);  // q is odd: no borrow
        ASSERT_EQ(PrivateKey::from_le_bytes(set, qm1, k1), Status::ok);
        ASSERT_EQ(k1.derive_public(pub), Status::ok);
        Bytes neg_y(n);
        int borrow = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const int d = p[i] - y[i] - borrow;
            neg_y[i] = static_cast<std::uint8_t>(d & 0xff);
            borrow = d < 0;
        }
        Bytes minus_g = x;
        minus_g.insert(minus_g.end(), neg_y.begin(), neg_y.end());
        EXPECT_EQ(to_hex(pub.le_xy()), to_hex(minus_g));
    }
}
