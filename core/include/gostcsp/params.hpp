// SPDX-License-Identifier: Apache-2.0
// GOST R 34.10-2012 parameter sets (TC26, CryptoPro aliases) — names, OIDs, sizes, curve constants
// (RFC 7836 App. A, RFC 4357 §11.4, RFC 9215 App. C/E).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace gostcsp::core {

enum class ParamSet : std::uint8_t {
    gost2001_test,  // id-GostR3410-2001-TestParamSet 1.2.643.2.2.35.0 (RFC 7091 example curve)
    tc26_256_a,     // 1.2.643.7.1.2.1.1.1 (twisted-Edwards equivalent, cofactor 4)
    tc26_256_b,     // 1.2.643.7.1.2.1.1.2 = CryptoPro-A, XchA
    tc26_256_c,     // 1.2.643.7.1.2.1.1.3 = CryptoPro-B
    tc26_256_d,     // 1.2.643.7.1.2.1.1.4 = CryptoPro-C, XchB
    tc26_512_test,  // 1.2.643.7.1.2.1.2.0
    tc26_512_a,     // 1.2.643.7.1.2.1.2.1
    tc26_512_b,     // 1.2.643.7.1.2.1.2.2
    tc26_512_c,     // 1.2.643.7.1.2.1.2.3 (twisted-Edwards equivalent, cofactor 4)
};

struct ParamSetInfo {
    ParamSet id;
    unsigned bits;          // 256 or 512: field and key size
    std::string_view name;  // canonical name, e.g. "id-tc26-gost-3410-2012-256-paramSetA"
    std::string_view oid;   // dotted OID a 2012 key carries
    std::span<const std::string_view> alias_oids;   // other OIDs naming the same curve
    std::span<const std::string_view> alias_names;  // CryptoPro / exchange / short names
    unsigned cofactor;

    std::size_t field_bytes() const noexcept { return bits / 8; }
    std::size_t public_key_bytes() const noexcept { return 2 * field_bytes(); }
    std::size_t signature_bytes() const noexcept { return 2 * field_bytes(); }
};

// Every supported set, in enum order.
std::span<const ParamSetInfo> all_param_sets() noexcept;
const ParamSetInfo& param_set_info(ParamSet id) noexcept;
// Look-ups accept the canonical OID and every alias OID (dotted form).
std::optional<ParamSet> param_set_from_oid(std::string_view dotted_oid) noexcept;
// Accepts canonical names and alias names (case-sensitive, as the standards spell them).
std::optional<ParamSet> param_set_from_name(std::string_view name) noexcept;

// gost-engine's short `paramset:` spellings, which depend on the key size (design.md "Naming
// trap"): for bits = 256, "A"/"B"/"C" are CryptoPro A/B/C (= tc26 256 B/C/D), "XA"/"XB" the
// exchange sets (= tc26 256 B/D) and "TCA".."TCD" tc26 256 A..D; for bits = 512, "A"/"B"/"C" are
// tc26 512 A/B/C. Case-sensitive. Anything else (or another bit size) gives nullopt.
std::optional<ParamSet> param_set_from_gost_engine_name(unsigned bits,
                                                        std::string_view name) noexcept;

// ---- The one table of spellings (tool, provider and docs/openssl.md use it) ----------------
// One way of naming a parameter set, and the OID a key requested under that name carries: a
// CryptoPro spelling keeps its CryptoPro OID (1.2.643.2.2.35.x / 36.x), a tc26 one the tc26 OID,
// although both name the same curve.
struct ParamSetSpelling {
    std::string_view name;  // e.g. "tc26-256-A", "cryptopro-A"
    ParamSet set;
    std::string_view oid;
};
// The canonical short names: gost2001-test, tc26-256-A..D, cryptopro-A/B/C, cryptopro-XchA/XchB,
// tc26-512-test, tc26-512-A..C. Every OID of every set appears exactly once.
std::span<const ParamSetSpelling> canonical_param_set_names() noexcept;
// The canonical short name of a dotted OID (canonical or alias), if it names a set.
std::optional<ParamSetSpelling> param_set_spelling_of_oid(std::string_view dotted_oid) noexcept;
// gost-engine's `paramset:` meanings, case-insensitive as gost-engine reads them: 256-bit "A",
// "B", "C" = CryptoPro A/B/C, "0" = the test set, "XA"/"XB" = CryptoPro XchA/XchB, "TCA".."TCD" =
// tc26 256 A..D; 512-bit "A"/"B"/"C" = tc26 512 A..C. Returns the spelling it stands for.
std::optional<ParamSetSpelling> param_set_from_gost_engine_spelling(unsigned bits,
                                                                    std::string_view name) noexcept;
// Every accepted spelling of a `bits`-bit set: canonical short names (case-insensitive), the
// standards' full names, dotted OIDs, and gost-engine's spellings.
std::optional<ParamSetSpelling> resolve_param_set(unsigned bits, std::string_view name) noexcept;
// True for a bare letter that different tools read as different curves: for 256-bit keys "A",
// "B", "C", "D" (gost-engine: CryptoPro A/B/C; OpenSC pkcs11-tool and gostcsp-tool < 0.2: tc26
// 256 A..D). gostcsp-tool refuses these; the provider keeps gost-engine's meaning.
bool is_ambiguous_param_letter(unsigned bits, std::string_view name) noexcept;

// The curve of a set in short Weierstrass form y^2 = x^3 + a·x + b (mod p), base point (x, y) of
// prime order q; #E = cofactor · q. Every integer is big-endian, field_bytes() long (static data).
struct CurveParams {
    std::span<const std::uint8_t> p, a, b, q, x, y;
    unsigned cofactor;
};
const CurveParams& curve_params(ParamSet id) noexcept;

}  // namespace gostcsp::core
