// SPDX-License-Identifier: Apache-2.0
// GOST R 34.10-2012 signatures (RFC 7091) and VKO key agreement (R 50.1.113-2016, RFC 7836 §4.3).
//
// Wire formats (see docs/byte-orders.md, each pinned by a test):
//   private key  d as a little-endian scalar, 32 / 64 bytes (PKCS#8 inner value, CKA_VALUE)
//   public key   X‖Y, each little-endian, 64 / 128 bytes (SPKI OCTET STRING, CKA_VALUE)
//   digest       hash output bytes; e = (digest as a little-endian integer) mod q, 0 → 1
//   signature    s‖r, each big-endian, 64 / 128 bytes (RFC 4491 §2.2.2, PKCS#11, gost-engine)
//
// Constant time: generate(), from_le_bytes(), derive_public(), sign_digest(), sign_message() and
// vko() run in time independent of the private key and nonce: fixed-window scalar multiplication
// with masked table scans, Fermat inversion with a public exponent, no branch or memory index on
// secret limbs. The hashes over secrets (the nonce's HMAC keyed with d, VKO's KEK over the shared
// point) use Streebog's constant-time implementations (StreebogImpl::automatic_secret). Checked by
// the constant-time job (tests/ct/, scripts/check_ct.sh): valgrind/memcheck with d, the nonce
// randomness and the UKM-derived scalar marked undefined, on every Streebog path valgrind runs.
// The decisions that are public by design (rejection sampling's verdict, r = 0 / s = 0, K = O,
// key validity) are declassified with gostcsp/ct.hpp where they are taken.
// verify_*() and public-key validation are variable-time (public data only).
// Curve tables (fixed-base comb) are built once per set on first use, in static storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "gostcsp/params.hpp"
#include "gostcsp/secure.hpp"
#include "gostcsp/status.hpp"
#include "gostcsp/streebog.hpp"

namespace gostcsp::core {

constexpr std::size_t max_field_bytes = 64;

class PublicKey;

// A validated public key point (affine, standard Weierstrass coordinates).
class PublicKey {
  public:
    // Parses X‖Y little-endian and validates: right length, on the curve, not the identity, in
    // the order-q subgroup.
    [[nodiscard]] static Status from_le_xy(ParamSet set, std::span<const std::uint8_t> xy,
                                           PublicKey& out) noexcept;

    ParamSet param_set() const noexcept { return set_; }
    // X‖Y little-endian, public_key_bytes() long.
    std::span<const std::uint8_t> le_xy() const noexcept {
        return {xy_le_, 2 * param_set_info(set_).field_bytes()};
    }

    PublicKey() noexcept = default;

  private:
    friend class PrivateKey;
    ParamSet set_ = ParamSet::tc26_256_a;
    std::uint8_t xy_le_[2 * max_field_bytes] = {};
};

// A private scalar d with 0 < d < q. Wiped on destruction.
class PrivateKey {
  public:
    // Uniform d in [1, q-1] from RAND_priv_bytes by rejection sampling.
    [[nodiscard]] static Status generate(ParamSet set, PrivateKey& out) noexcept;
    // Loads a little-endian scalar of exactly field_bytes(); rejects 0 and values >= q.
    [[nodiscard]] static Status from_le_bytes(ParamSet set, std::span<const std::uint8_t> d_le,
                                              PrivateKey& out) noexcept;

    ParamSet param_set() const noexcept { return set_; }
    // d little-endian, field_bytes() long. Only the soft-key paths (PKCS#8 export) call this.
    std::span<const std::uint8_t> le_bytes() const noexcept {
        return {d_le_.data(), param_set_info(set_).field_bytes()};
    }
    // Q = d·P.
    [[nodiscard]] Status derive_public(PublicKey& out) const noexcept;

    PrivateKey() noexcept = default;

  private:
    ParamSet set_ = ParamSet::tc26_256_a;
    SecretBytes<max_field_bytes> d_le_;
};

// Signs a precomputed digest (any length ≤ field size is read as a little-endian integer; the
// standard's e). Writes signature_bytes() bytes s‖r to `sig`. Nonce: uniform k from
// RAND_priv_bytes, hedged with the key and digest.
[[nodiscard]] Status sign_digest(const PrivateKey& key, std::span<const std::uint8_t> digest,
                                 std::span<std::uint8_t> sig) noexcept;
// Verifies s‖r over a digest. Returns ok or invalid_signature / bad_length.
[[nodiscard]] Status verify_digest(const PublicKey& key, std::span<const std::uint8_t> digest,
                                   std::span<const std::uint8_t> sig) noexcept;

// Hash-and-sign: Streebog-256 for 256-bit sets, Streebog-512 for 512-bit sets.
[[nodiscard]] Status sign_message(const PrivateKey& key, std::span<const std::uint8_t> msg,
                                  std::span<std::uint8_t> sig) noexcept;
[[nodiscard]] Status verify_message(const PublicKey& key, std::span<const std::uint8_t> msg,
                                    std::span<const std::uint8_t> sig) noexcept;

// The digest size hash-and-sign uses for a parameter set.
inline DigestSize message_digest_size(ParamSet set) noexcept {
    return param_set_info(set).bits == 256 ? DigestSize::bits256 : DigestSize::bits512;
}

// VKO_GOSTR3410_2012_256 (kek_size = bits256) or _512 (bits512): KEK = H(K.X‖K.Y, little-endian),
// K = (cofactor · UKM · d mod q) · Q_peer. UKM is read as a little-endian integer (usually 8
// bytes, at most field_bytes()); a UKM that is 0 mod q is refused. The peer key must use the same
// parameter set. Writes digest_bytes(kek_size) bytes.
[[nodiscard]] Status vko(const PrivateKey& key, const PublicKey& peer,
                         std::span<const std::uint8_t> ukm, DigestSize kek_size,
                         std::span<std::uint8_t> kek) noexcept;

namespace testing {
// Deterministic signing with a caller-chosen nonce k (big-endian integer bytes), for reproducing
// the standard's examples only. Never use outside tests.
[[nodiscard]] Status sign_digest_with_nonce(const PrivateKey& key,
                                            std::span<const std::uint8_t> digest,
                                            std::span<const std::uint8_t> k_be,
                                            std::span<std::uint8_t> sig) noexcept;
// Self-check of a set's embedded curve: G is on the curve and q·G = O through each of the three
// scalar multipliers (fixed-base, variable-base, verification's double-scalar). ok or
// invalid_public_key.
[[nodiscard]] Status check_base_point(ParamSet set) noexcept;
// Selects the portable field code even where MULX/ADX kernels would run (on = true) or restores
// the automatic choice (on = false). Returns whether the MULX/ADX kernels are now in use.
bool force_portable_arithmetic(bool on) noexcept;
}  // namespace testing

}  // namespace gostcsp::core
