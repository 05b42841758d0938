// SPDX-License-Identifier: Apache-2.0
// CryptoPro KEK diversification, KExp28147/KImp28147 and the CryptoPro key wrap (RFC 4357 §6,
// RFC 9189 §8.2.2).
#include "gostcsp/keywrap.hpp"

#include <algorithm>

#include "gostcsp/modes.hpp"
#include "gostcsp/secure.hpp"

namespace gostcsp::core {

namespace {

std::uint32_t load_le32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
           std::uint32_t{p[3]} << 24;
}
void store_le32(std::uint32_t v, std::uint8_t* p) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void imit4(const Gost28147& cipher, std::span<const std::uint8_t> iv,
           std::span<const std::uint8_t> msg, std::span<std::uint8_t, keywrap_mac_bytes> mac) {
    Gost28147Imit imit(cipher, false);
    (void)imit.set_iv(iv);  // 8 bytes, checked by the callers
    imit.update(msg);
    (void)imit.final(mac);
}

}  // namespace

Status cryptopro_kek_diversify(Gost28147ParamSet params, std::span<const std::uint8_t> kek,
                               std::span<const std::uint8_t> ukm,
                               std::span<std::uint8_t> out) noexcept {
    if (kek.size() != keywrap_key_bytes || ukm.size() != keywrap_ukm_bytes ||
        out.size() != keywrap_key_bytes)
        return Status::bad_length;
    SecretBytes<keywrap_key_bytes> k;
    std::copy(kek.begin(), kek.end(), k.data());
    for (unsigned i = 0; i < keywrap_ukm_bytes; ++i) {
        // S = (sum of the words k_j whose UKM bit a_{i,j} is 1) | (sum of the others), mod 2^32.
        // The UKM is public; the selection below uses masks anyway, not branches.
        std::uint32_t s1 = 0, s2 = 0;
        for (unsigned j = 0; j < 8; ++j) {
            const std::uint32_t w = load_le32(k.data() + 4 * j);
            const std::uint32_t bit_mask = 0u - ((ukm[i] >> j) & 1u);
            s1 += w & bit_mask;
            s2 += w & ~bit_mask;
        }
        std::uint8_t iv[8];
        store_le32(s1, iv);
        store_le32(s2, iv + 4);
        Gost28147 cipher(k.span(), params);
        Gost28147Cfb cfb(cipher);
        Status st = cfb.start(iv, true, false);
        if (ok(st)) st = cfb.process(k.span(), k.span());
        secure_zero(iv, sizeof iv);
        if (!ok(st)) return st;
    }
    std::copy(k.data(), k.data() + keywrap_key_bytes, out.data());
    return Status::ok;
}

Status kexp28147(Gost28147ParamSet params, std::span<const std::uint8_t> secret,
                 std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                 std::span<std::uint8_t> out) noexcept {
    if (secret.size() != keywrap_key_bytes || key.size() != keywrap_key_bytes ||
        iv.size() != keywrap_ukm_bytes || out.size() != keywrap_wrapped_bytes)
        return Status::bad_length;
    const Gost28147 cipher(key.first<keywrap_key_bytes>(), params);
    std::copy(iv.begin(), iv.end(), out.data());
    Status st = ecb_encrypt(cipher, secret, out.subspan(keywrap_ukm_bytes, keywrap_key_bytes));
    if (!ok(st)) {
        secure_zero(out.data(), out.size());
        return st;
    }
    imit4(cipher, iv, secret,
          out.subspan(keywrap_ukm_bytes + keywrap_key_bytes).first<keywrap_mac_bytes>());
    return Status::ok;
}

Status kimp28147(Gost28147ParamSet params, std::span<const std::uint8_t> exported,
                 std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                 std::span<std::uint8_t> out) noexcept {
    if (exported.size() != keywrap_wrapped_bytes || key.size() != keywrap_key_bytes ||
        iv.size() != keywrap_ukm_bytes || out.size() != keywrap_key_bytes)
        return Status::bad_length;
    const Gost28147 cipher(key.first<keywrap_key_bytes>(), params);
    SecretBytes<keywrap_key_bytes> s;
    Status st =
        ecb_decrypt(cipher, exported.subspan(keywrap_ukm_bytes, keywrap_key_bytes), s.span());
    if (ok(st)) {
        std::uint8_t mac[keywrap_mac_bytes];
        imit4(cipher, iv, s.span(), mac);
        // both checks always run; the IV is public, the MAC comparison constant-time
        const bool iv_ok = std::equal(iv.begin(), iv.end(), exported.begin());
        const bool mac_ok = constant_time_equal(mac, exported.subspan(40, keywrap_mac_bytes));
        if (iv_ok && mac_ok)
            std::copy(s.data(), s.data() + keywrap_key_bytes, out.data());
        else
            st = Status::auth_failed;
    }
    if (!ok(st)) secure_zero(out.data(), out.size());
    return st;
}

Status cryptopro_key_wrap(Gost28147ParamSet params, std::span<const std::uint8_t> kek,
                          std::span<const std::uint8_t> ukm, std::span<const std::uint8_t> cek,
                          std::span<std::uint8_t> out) noexcept {
    SecretBytes<keywrap_key_bytes> kek_ukm;
    if (Status st = cryptopro_kek_diversify(params, kek, ukm, kek_ukm.span()); !ok(st)) return st;
    return kexp28147(params, cek, kek_ukm.span(), ukm, out);
}

Status cryptopro_key_unwrap(Gost28147ParamSet params, std::span<const std::uint8_t> kek,
                            std::span<const std::uint8_t> wrapped,
                            std::span<std::uint8_t> out) noexcept {
    if (wrapped.size() != keywrap_wrapped_bytes) return Status::bad_length;
    const auto ukm = wrapped.first(keywrap_ukm_bytes);
    SecretBytes<keywrap_key_bytes> kek_ukm;
    if (Status st = cryptopro_kek_diversify(params, kek, ukm, kek_ukm.span()); !ok(st)) return st;
    return kimp28147(params, wrapped, kek_ukm.span(), ukm, out);
}

}  // namespace gostcsp::core
