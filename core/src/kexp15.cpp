// SPDX-License-Identifier: Apache-2.0
// KExp15 / KImp15 (R 1323565.1.017-2018, RFC 9189 §8.2.1) over the 34.13 CTR and OMAC.
#include "gostcsp/kexp15.hpp"

#include <algorithm>

#include "gostcsp/kuznyechik.hpp"
#include "gostcsp/magma.hpp"
#include "gostcsp/modes.hpp"
#include "gostcsp/secure.hpp"

namespace gostcsp::core {

namespace {

constexpr std::size_t max_n = 16;

// Both ciphers keyed on the stack (no heap), wiped by their destructors.
struct KeyPair {
    Kuznyechik kuz_mac, kuz_enc;
    Magma magma_mac, magma_enc;
    const BlockCipher* mac = nullptr;
    const BlockCipher* enc = nullptr;

    Status init(Kexp15Cipher c, std::span<const std::uint8_t> k_mac,
                std::span<const std::uint8_t> k_enc) noexcept {
        if (k_mac.size() != kexp15_key_bytes || k_enc.size() != kexp15_key_bytes)
            return Status::bad_length;
        BlockCipher& m = c == Kexp15Cipher::kuznyechik ? static_cast<BlockCipher&>(kuz_mac)
                                                       : static_cast<BlockCipher&>(magma_mac);
        BlockCipher& e = c == Kexp15Cipher::kuznyechik ? static_cast<BlockCipher&>(kuz_enc)
                                                       : static_cast<BlockCipher&>(magma_enc);
        if (Status st = m.set_key(k_mac); !ok(st)) return st;
        if (Status st = e.set_key(k_enc); !ok(st)) return st;
        mac = &m;
        enc = &e;
        return Status::ok;
    }
};

void omac_of(const BlockCipher& c, std::span<const std::uint8_t> iv,
             std::span<const std::uint8_t> secret, std::span<std::uint8_t> tag) noexcept {
    Omac omac(c);
    omac.update(iv);
    omac.update(secret);
    (void)omac.final(tag);  // tag.size() == block size: cannot fail
}

}  // namespace

Status kexp15(Kexp15Cipher cipher, std::span<const std::uint8_t> secret,
              std::span<const std::uint8_t> k_mac, std::span<const std::uint8_t> k_enc,
              std::span<const std::uint8_t> iv, std::span<std::uint8_t> out) noexcept {
    const std::size_t n = kexp15_block_bytes(cipher);
    if (secret.empty() || secret.size() > kexp15_max_secret_bytes || iv.size() != n / 2 ||
        out.size() != secret.size() + n)
        return Status::bad_length;
    KeyPair keys;
    if (Status st = keys.init(cipher, k_mac, k_enc); !ok(st)) return st;
    std::uint8_t tag[max_n];
    omac_of(*keys.mac, iv, secret, {tag, n});
    Ctr ctr(*keys.enc);
    Status st = ctr.start(iv);
    if (ok(st)) st = ctr.process(secret, out.first(secret.size()));
    if (ok(st)) st = ctr.process({tag, n}, out.subspan(secret.size()));
    secure_zero(tag, sizeof tag);
    if (!ok(st)) secure_zero(out.data(), out.size());
    return st;
}

Status kimp15(Kexp15Cipher cipher, std::span<const std::uint8_t> exported,
              std::span<const std::uint8_t> k_mac, std::span<const std::uint8_t> k_enc,
              std::span<const std::uint8_t> iv, std::span<std::uint8_t> out) noexcept {
    const std::size_t n = kexp15_block_bytes(cipher);
    if (exported.size() <= n || exported.size() > kexp15_max_secret_bytes + n ||
        iv.size() != n / 2 || out.size() != exported.size() - n)
        return Status::bad_length;
    KeyPair keys;
    if (Status st = keys.init(cipher, k_mac, k_enc); !ok(st)) return st;
    SecretBytes<kexp15_max_secret_bytes> secret;
    std::uint8_t got_tag[max_n], want_tag[max_n];
    const std::size_t len = out.size();
    Ctr ctr(*keys.enc);
    Status st = ctr.start(iv);
    if (ok(st)) st = ctr.process(exported.first(len), secret.span().first(len));
    if (ok(st)) st = ctr.process(exported.subspan(len), {got_tag, n});
    if (ok(st)) {
        omac_of(*keys.mac, iv, secret.span().first(len), {want_tag, n});
        if (constant_time_equal({got_tag, n}, {want_tag, n}))
            std::copy_n(secret.data(), len, out.data());
        else
            st = Status::auth_failed;
    }
    secure_zero(got_tag, sizeof got_tag);
    secure_zero(want_tag, sizeof want_tag);
    if (!ok(st)) secure_zero(out.data(), out.size());
    return st;
}

}  // namespace gostcsp::core
