// SPDX-License-Identifier: Apache-2.0
// GOST R 34.10-2012 parameter sets: names, OIDs and curve constants (RFC 7836 App. A, RFC 4357
// §11.4, RFC 9215 App. C/E); the constants come from the generated curve_data.inc.
#include "gostcsp/params.hpp"

#include <array>
#include <cctype>

#include "curve_data.hpp"

namespace gostcsp::core {

namespace {

using SV = std::string_view;

constexpr SV b_oids[] = {"1.2.643.2.2.35.1", "1.2.643.2.2.36.0"};
constexpr SV b_names[] = {"id-GostR3410-2001-CryptoPro-A-ParamSet",
                          "id-GostR3410-2001-CryptoPro-XchA-ParamSet"};
constexpr SV c_oids[] = {"1.2.643.2.2.35.2"};
constexpr SV c_names[] = {"id-GostR3410-2001-CryptoPro-B-ParamSet"};
constexpr SV d_oids[] = {"1.2.643.2.2.35.3", "1.2.643.2.2.36.1"};
constexpr SV d_names[] = {"id-GostR3410-2001-CryptoPro-C-ParamSet",
                          "id-GostR3410-2001-CryptoPro-XchB-ParamSet"};
constexpr SV a512_names[] = {"id-tc26-gost-3410-12-512-paramSetA"};
constexpr SV b512_names[] = {"id-tc26-gost-3410-12-512-paramSetB"};

constexpr std::span<const SV> none{};

// constexpr: constant-initialised, so other translation units may use the tables during their
// own static initialisation.
constexpr ParamSetInfo infos[] = {
    {ParamSet::gost2001_test, 256, "id-GostR3410-2001-TestParamSet", "1.2.643.2.2.35.0", none, none,
     1},
    {ParamSet::tc26_256_a, 256, "id-tc26-gost-3410-2012-256-paramSetA", "1.2.643.7.1.2.1.1.1", none,
     none, 4},
    {ParamSet::tc26_256_b, 256, "id-tc26-gost-3410-2012-256-paramSetB", "1.2.643.7.1.2.1.1.2",
     b_oids, b_names, 1},
    {ParamSet::tc26_256_c, 256, "id-tc26-gost-3410-2012-256-paramSetC", "1.2.643.7.1.2.1.1.3",
     c_oids, c_names, 1},
    {ParamSet::tc26_256_d, 256, "id-tc26-gost-3410-2012-256-paramSetD", "1.2.643.7.1.2.1.1.4",
     d_oids, d_names, 1},
    {ParamSet::tc26_512_test, 512, "id-tc26-gost-3410-2012-512-paramSetTest", "1.2.643.7.1.2.1.2.0",
     none, none, 1},
    {ParamSet::tc26_512_a, 512, "id-tc26-gost-3410-2012-512-paramSetA", "1.2.643.7.1.2.1.2.1", none,
     a512_names, 1},
    {ParamSet::tc26_512_b, 512, "id-tc26-gost-3410-2012-512-paramSetB", "1.2.643.7.1.2.1.2.2", none,
     b512_names, 1},
    {ParamSet::tc26_512_c, 512, "id-tc26-gost-3410-2012-512-paramSetC", "1.2.643.7.1.2.1.2.3", none,
     none, 4},
};

constexpr std::array<CurveParams, 9> curve_table = [] {
    std::array<CurveParams, 9> t{};
    for (std::size_t i = 0; i < t.size(); ++i) {
        const detail::CurveData& c = detail::curve_data[i];
        const std::size_t n = c.bits / 8;
        t[i] = CurveParams{{c.p, n}, {c.a, n}, {c.b, n}, {c.q, n}, {c.x, n}, {c.y, n}, c.cofactor};
    }
    return t;
}();

}  // namespace

std::span<const ParamSetInfo> all_param_sets() noexcept {
    return infos;
}

const ParamSetInfo& param_set_info(ParamSet id) noexcept {
    return infos[static_cast<std::size_t>(id)];
}

std::optional<ParamSet> param_set_from_oid(std::string_view dotted_oid) noexcept {
    for (const auto& info : infos) {
        if (info.oid == dotted_oid) return info.id;
        for (SV alias : info.alias_oids)
            if (alias == dotted_oid) return info.id;
    }
    return std::nullopt;
}

std::optional<ParamSet> param_set_from_name(std::string_view name) noexcept {
    for (const auto& info : infos) {
        if (info.name == name) return info.id;
        for (SV alias : info.alias_names)
            if (alias == name) return info.id;
    }
    return std::nullopt;
}

namespace {

constexpr ParamSetSpelling canonical_names[] = {
    {"gost2001-test", ParamSet::gost2001_test, "1.2.643.2.2.35.0"},
    {"tc26-256-A", ParamSet::tc26_256_a, "1.2.643.7.1.2.1.1.1"},
    {"tc26-256-B", ParamSet::tc26_256_b, "1.2.643.7.1.2.1.1.2"},
    {"tc26-256-C", ParamSet::tc26_256_c, "1.2.643.7.1.2.1.1.3"},
    {"tc26-256-D", ParamSet::tc26_256_d, "1.2.643.7.1.2.1.1.4"},
    {"cryptopro-A", ParamSet::tc26_256_b, "1.2.643.2.2.35.1"},
    {"cryptopro-B", ParamSet::tc26_256_c, "1.2.643.2.2.35.2"},
    {"cryptopro-C", ParamSet::tc26_256_d, "1.2.643.2.2.35.3"},
    {"cryptopro-XchA", ParamSet::tc26_256_b, "1.2.643.2.2.36.0"},
    {"cryptopro-XchB", ParamSet::tc26_256_d, "1.2.643.2.2.36.1"},
    {"tc26-512-test", ParamSet::tc26_512_test, "1.2.643.7.1.2.1.2.0"},
    {"tc26-512-A", ParamSet::tc26_512_a, "1.2.643.7.1.2.1.2.1"},
    {"tc26-512-B", ParamSet::tc26_512_b, "1.2.643.7.1.2.1.2.2"},
    {"tc26-512-C", ParamSet::tc26_512_c, "1.2.643.7.1.2.1.2.3"},
};

bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

bool is_dotted_oid(std::string_view v) noexcept {
    if (v.empty()) return false;
    for (char c : v)
        if (!((c >= '0' && c <= '9') || c == '.')) return false;
    return true;
}

}  // namespace

std::span<const ParamSetSpelling> canonical_param_set_names() noexcept {
    return canonical_names;
}

std::optional<ParamSetSpelling> param_set_spelling_of_oid(std::string_view dotted_oid) noexcept {
    for (const auto& s : canonical_names)
        if (s.oid == dotted_oid) return s;
    return std::nullopt;
}

std::optional<ParamSetSpelling> param_set_from_gost_engine_spelling(
    unsigned bits, std::string_view name) noexcept {
    struct Row {
        SV spelling, canonical;
    };
    static constexpr Row rows256[] = {
        {"A", "cryptopro-A"},   {"B", "cryptopro-B"},     {"C", "cryptopro-C"},
        {"0", "gost2001-test"}, {"XA", "cryptopro-XchA"}, {"XB", "cryptopro-XchB"},
        {"TCA", "tc26-256-A"},  {"TCB", "tc26-256-B"},    {"TCC", "tc26-256-C"},
        {"TCD", "tc26-256-D"},
    };
    static constexpr Row rows512[] = {
        {"A", "tc26-512-A"}, {"B", "tc26-512-B"}, {"C", "tc26-512-C"}};
    std::span<const Row> rows;
    if (bits == 256)
        rows = rows256;
    else if (bits == 512)
        rows = rows512;
    for (const Row& r : rows) {
        if (!iequal(r.spelling, name)) continue;
        for (const auto& s : canonical_names)
            if (s.name == r.canonical) return s;
    }
    return std::nullopt;
}

std::optional<ParamSetSpelling> resolve_param_set(unsigned bits, std::string_view name) noexcept {
    std::optional<ParamSetSpelling> found;
    for (const auto& s : canonical_names)
        if (iequal(s.name, name)) found = s;
    if (!found && is_dotted_oid(name)) found = param_set_spelling_of_oid(name);
    if (!found) {
        // The standards' full names; a CryptoPro alias name keeps its alias OID.
        for (const auto& info : infos) {
            if (info.name == name) found = param_set_spelling_of_oid(info.oid);
            for (std::size_t i = 0; i < info.alias_names.size(); ++i) {
                if (info.alias_names[i] != name) continue;
                found = param_set_spelling_of_oid(i < info.alias_oids.size() ? info.alias_oids[i]
                                                                             : info.oid);
            }
        }
    }
    if (!found) found = param_set_from_gost_engine_spelling(bits, name);
    if (found && param_set_info(found->set).bits != bits) return std::nullopt;
    return found;
}

std::optional<ParamSet> param_set_from_gost_engine_name(unsigned bits,
                                                        std::string_view name) noexcept {
    // The case-sensitive form of the table above (the spellings as gost-engine documents them).
    for (char c : name)
        if (std::islower(static_cast<unsigned char>(c))) return std::nullopt;
    const auto s = param_set_from_gost_engine_spelling(bits, name);
    return s ? std::optional<ParamSet>(s->set) : std::nullopt;
}

bool is_ambiguous_param_letter(unsigned bits, std::string_view name) noexcept {
    if (bits != 256) return false;
    for (SV letter : {SV("A"), SV("B"), SV("C"), SV("D")})
        if (iequal(letter, name)) return true;
    return false;
}

const CurveParams& curve_params(ParamSet id) noexcept {
    return curve_table[static_cast<std::size_t>(id)];
}

}  // namespace gostcsp::core
