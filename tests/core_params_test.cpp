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

// The one table of spellings: every canonical short name names the curve and the OID that
// curves.txt (the verified vector file) gives it, each OID exactly once; gost-engine's spellings
// keep gost-engine's meaning (curves.txt's gost_engine strings) and the OID they stand for.
TEST(Params, CanonicalNamesKeepTheRequestedOid) {
    std::set<std::string> oids_in_file, oids_in_table;
    for (const auto& rec : load_vectors("curves.txt")) {
        const auto set = param_set_from_name(rec.name());
        ASSERT_TRUE(set.has_value());
        oids_in_file.insert(rec.str("oid"));
        if (rec.has("alias_oids"))
            for (const auto& o : split_list(rec.str("alias_oids"), ',')) oids_in_file.insert(o);
        for (const auto& entry : split_list(rec.str("gost_engine"), ' ')) {
            const auto colon = entry.find(':');
            const std::string alg = entry.substr(0, colon), ps = entry.substr(colon + 1);
            const unsigned bits = alg == "gost2012_256" ? 256 : 512;
            const auto sp = resolve_param_set(bits, ps);
            ASSERT_TRUE(sp.has_value()) << entry;
            EXPECT_EQ(sp->set, *set) << entry;
        }
    }
    for (const auto& sp : canonical_param_set_names()) {
        EXPECT_TRUE(oids_in_table.insert(std::string(sp.oid)).second) << sp.name;
        EXPECT_EQ(param_set_from_oid(sp.oid), sp.set) << sp.name;
        EXPECT_EQ(param_set_spelling_of_oid(sp.oid)->name, sp.name);
        const unsigned bits = param_set_info(sp.set).bits;
        EXPECT_EQ(resolve_param_set(bits, sp.name)->oid, sp.oid);
        EXPECT_FALSE(resolve_param_set(bits == 256 ? 512 : 256, sp.name).has_value());
    }
    EXPECT_EQ(oids_in_table, oids_in_file);
    // CryptoPro spellings keep the CryptoPro OID (RFC 4357 §10.4), the tc26 ones the tc26 OID.
    EXPECT_EQ(resolve_param_set(256, "cryptopro-A")->oid, "1.2.643.2.2.35.1");
    EXPECT_EQ(resolve_param_set(256, "CryptoPro-A")->oid, "1.2.643.2.2.35.1");
    EXPECT_EQ(resolve_param_set(256, "tc26-256-B")->oid, "1.2.643.7.1.2.1.1.2");
    EXPECT_EQ(resolve_param_set(256, "id-GostR3410-2001-CryptoPro-XchA-ParamSet")->oid,
              "1.2.643.2.2.36.0");
    EXPECT_EQ(resolve_param_set(256, "1.2.643.2.2.35.3")->name, "cryptopro-C");
    EXPECT_EQ(resolve_param_set(512, "id-tc26-gost-3410-12-512-paramSetA")->name, "tc26-512-A");
    // gost-engine: "A" is CryptoPro-A for 256 bits (case-insensitive, as gost-engine reads it).
    EXPECT_EQ(resolve_param_set(256, "a")->name, "cryptopro-A");
    EXPECT_EQ(resolve_param_set(256, "XA")->name, "cryptopro-XchA");
    EXPECT_EQ(resolve_param_set(256, "tca")->name, "tc26-256-A");
    EXPECT_EQ(resolve_param_set(256, "0")->name, "gost2001-test");
    EXPECT_EQ(resolve_param_set(512, "C")->name, "tc26-512-C");
    EXPECT_FALSE(resolve_param_set(256, "E").has_value());
    EXPECT_FALSE(resolve_param_set(256, "").has_value());
    // The letters that mean different curves in different tools (256 only).
    for (const char* l : {"A", "b", "C", "D"}) EXPECT_TRUE(is_ambiguous_param_letter(256, l)) << l;
    for (const char* l : {"XA", "TCA", "cryptopro-A", "tc26-256-A"})
        EXPECT_FALSE(is_ambiguous_param_letter(256, l)) << l;
    EXPECT_FALSE(is_ambiguous_param_letter(512, "A"));
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
