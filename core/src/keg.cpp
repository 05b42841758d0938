// SPDX-License-Identifier: Apache-2.0
// KEG (R 1323565.1.020-2018 §6.4.5.1, RFC 9189 §8.2.1) over VKO and KDF_TREE.
#include "gostcsp/keg.hpp"

#include <algorithm>

#include "gostcsp/kdf.hpp"
#include "gostcsp/secure.hpp"

namespace gostcsp::core {

namespace {
constexpr std::uint8_t kdf_tree_label[] = {'k', 'd', 'f', ' ', 't', 'r', 'e', 'e'};
}  // namespace

Status keg_ukm(std::span<const std::uint8_t> h,
               std::span<std::uint8_t, keg_ukm_bytes> ukm_le) noexcept {
    if (h.size() != keg_input_bytes) return Status::bad_length;
    // vko() reads the UKM little-endian; KEG's UKM is h[1..16] read big-endian, so reverse it.
    std::reverse_copy(h.begin(), h.begin() + keg_ukm_bytes, ukm_le.begin());
    if (std::all_of(ukm_le.begin(), ukm_le.end(), [](std::uint8_t b) { return b == 0; }))
        ukm_le[0] = 1;  // h is public (hash of the hello randoms)
    return Status::ok;
}

Status keg_expand_256(std::span<const std::uint8_t> vko256, std::span<const std::uint8_t> h,
                      std::span<std::uint8_t> out) noexcept {
    if (vko256.size() != 32 || h.size() != keg_input_bytes || out.size() != keg_output_bytes)
        return Status::bad_length;
    return kdf_tree_gostr3411_2012_256(vko256, kdf_tree_label, h.subspan(keg_ukm_bytes, 8), 1, out);
}

Status keg(const PrivateKey& own, const PublicKey& peer, std::span<const std::uint8_t> h,
           std::span<std::uint8_t> out) noexcept {
    if (h.size() != keg_input_bytes || out.size() != keg_output_bytes) return Status::bad_length;
    std::uint8_t ukm_le[keg_ukm_bytes];
    Status st = keg_ukm(h, ukm_le);
    if (ok(st) && param_set_info(own.param_set()).bits == 512) {
        st = vko(own, peer, ukm_le, DigestSize::bits512, out);
    } else if (ok(st)) {
        SecretBytes<32> kek;
        st = vko(own, peer, ukm_le, DigestSize::bits256, kek.span());
        if (ok(st)) st = keg_expand_256(kek.span(), h, out);
    }
    if (!ok(st)) secure_zero(out.data(), out.size());
    return st;
}

}  // namespace gostcsp::core
