// SPDX-License-Identifier: Apache-2.0
// Index tags and the record manifest.
#include "record_index.hpp"

#include <openssl/evp.h>

#include <memory>
#include <string_view>

#include "gostcsp/streebog.hpp"

namespace gostcsp::keystore::detail {

namespace {

constexpr std::string_view index_key_label = "gostcsp/index-key/v1";
constexpr std::string_view public_index_key_label = "gostcsp/index-key/public/v1";
constexpr std::string_view manifest_key_label = "gostcsp/manifest-key/v1";
constexpr std::string_view manifest_aad_tag = "gostcsp/manifest/v1";

std::span<const std::uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Result<SecureBytes> derive(std::span<const std::uint8_t> key, std::string_view label) {
    SecureBytes out(32);
    if (!out.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
    core::HmacStreebog h(core::DigestSize::bits256, key);
    h.update(as_bytes(label));
    h.final(out.span());
    return out;
}

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};

// AES-256 of each 16-byte block of `in` (ECB: each block is one PRF input) into `out`.
Status prf_blocks(std::span<const std::uint8_t> key, std::span<const std::uint8_t> in,
                  std::span<std::uint8_t> out) {
    if (in.empty()) return {};
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    if (!ctx || key.size() != 32 ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_ecb(), nullptr, key.data(), nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) !=
            1 ||
        static_cast<std::size_t>(len) != in.size()) {
        return Status(Error::crypto_failure, "AES-256 for the record manifest failed");
    }
    return {};
}

void put_block(std::uint8_t* b, std::uint64_t id, std::uint64_t version) {
    for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(id >> (8 * i));
    for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<std::uint8_t>(version >> (8 * i));
}

Bytes manifest_aad(std::span<const std::uint8_t> token_id, std::uint64_t counter) {
    Writer w;
    w.text(manifest_aad_tag);
    w.bytes(token_id);
    w.u64(counter);
    return std::move(w.data());
}

}  // namespace

Result<SecureBytes> derive_index_key(std::span<const std::uint8_t> data_key) {
    return derive(data_key, index_key_label);
}

Result<SecureBytes> derive_manifest_key(std::span<const std::uint8_t> data_key) {
    return derive(data_key, manifest_key_label);
}

Bytes public_index_key(std::span<const std::uint8_t> token_id) {
    Bytes out(32);
    core::HmacStreebog h(core::DigestSize::bits256, token_id);
    h.update(as_bytes(public_index_key_label));
    h.final(out);
    return out;
}

Bytes index_tag(std::span<const std::uint8_t> key, std::uint64_t type,
                std::span<const std::uint8_t> value) {
    std::uint8_t t[8];
    for (int i = 0; i < 8; ++i) t[i] = static_cast<std::uint8_t>(type >> (8 * i));
    std::uint8_t full[32];
    core::HmacStreebog h(core::DigestSize::bits256, key);
    h.update(t);
    h.update(value);
    h.final(full);
    return Bytes(full, full + index_tag_bytes);
}

Tags object_tags(std::span<const std::uint8_t> key, const Object& o) {
    Tags t;
    for (const auto& a : o.attributes) {
        if (a.type == cka_label_type) t.label = index_tag(key, a.type, a.value);
        if (a.type == cka_id_type) t.id = index_tag(key, a.type, a.value);
    }
    return t;
}

Result<std::optional<Manifest>> load_manifest(Db& db, std::span<const std::uint8_t> data_key,
                                              std::span<const std::uint8_t> token_id) {
    Stmt s(db, "SELECT counter, nonce, sealed FROM manifest WHERE singleton = 1");
    Status st;
    if (!s.step(st)) {
        if (!st) return st;
        return std::optional<Manifest>{};
    }
    Manifest m;
    const std::int64_t counter = s.column_int(0);
    if (counter < 0) return Status(Error::integrity_failure, "record manifest: bad counter");
    m.counter = static_cast<std::uint64_t>(counter);
    auto plain = aead_open(aead_aes256_gcm, data_key, s.column_blob_view(1),
                           manifest_aad(token_id, m.counter), s.column_blob_view(2));
    if (!plain) {
        if (plain.error() == Error::corrupt) {
            return Status(Error::integrity_failure, "record manifest: malformed");
        }
        return Status(plain.error(),
                      "record manifest fails authentication (altered, or "
                      "replaced by one of another token)");
    }
    Reader rd(plain->span());
    if (!rd.u64(m.count)) return Status(Error::integrity_failure, "record manifest: malformed");
    for (auto& g : m.groups) {
        std::span<const std::uint8_t> b;
        if (!rd.bytes(b) || b.size() != g.size()) {
            return Status(Error::integrity_failure, "record manifest: malformed");
        }
        std::copy(b.begin(), b.end(), g.begin());
    }
    if (!rd.done()) return Status(Error::integrity_failure, "record manifest: malformed");
    return std::optional<Manifest>(m);
}

Status store_manifest(Db& db, std::span<const std::uint8_t> data_key,
                      std::span<const std::uint8_t> token_id, const Manifest& m) {
    Writer w;
    w.u64(m.count);
    for (const auto& g : m.groups) w.bytes(g);
    Bytes nonce(aead_nonce_bytes);
    if (Status st = random_public(nonce); !st) return st;
    auto sealed =
        aead_seal(aead_aes256_gcm, data_key, nonce, manifest_aad(token_id, m.counter), w.data());
    if (!sealed) return sealed.status();
    Stmt s(db,
           "INSERT OR REPLACE INTO manifest (singleton, counter, nonce, sealed) "
           "VALUES (1, ?, ?, ?)");
    s.bind(1, static_cast<std::int64_t>(m.counter));
    s.bind_blob(2, nonce);
    s.bind_blob(3, *sealed);
    return s.run();
}

Status manifest_toggle(Manifest& m, std::span<const std::uint8_t> manifest_key, std::uint64_t id,
                       std::uint64_t version) {
    std::uint8_t in[16], out[16];
    put_block(in, id, version);
    if (Status st = prf_blocks(manifest_key, in, out); !st) return st;
    auto& g = m.groups[manifest_group(id)];
    for (std::size_t i = 0; i < g.size(); ++i) g[i] ^= out[i];
    return {};
}

Result<FileDigest> digest_private_rows(Db& db, std::span<const std::uint8_t> manifest_key,
                                       bool with_unversioned) {
    FileDigest d;
    std::vector<std::uint64_t> ids;
    Bytes blocks;
    // Only private records carry a version (index objects_versions covers this scan).
    Stmt s(db, "SELECT id, version FROM objects WHERE version IS NOT NULL");
    Status st;
    while (s.step(st)) {
        const auto id = static_cast<std::uint64_t>(s.column_int(0));
        ids.push_back(id);
        blocks.resize(blocks.size() + 16);
        put_block(blocks.data() + blocks.size() - 16, id,
                  static_cast<std::uint64_t>(s.column_int(1)));
    }
    if (!st) return st;
    Bytes out(blocks.size());
    if (Status pst = prf_blocks(manifest_key, blocks, out); !pst) return pst;
    for (std::size_t k = 0; k < ids.size(); ++k) {
        auto& g = d.groups[manifest_group(ids[k])];
        for (std::size_t i = 0; i < g.size(); ++i) g[i] ^= out[16 * k + i];
    }
    d.count = ids.size();
    if (with_unversioned) {
        Stmt u(db, "SELECT id FROM objects WHERE (flags & 1) = 1 AND version IS NULL");
        while (u.step(st)) d.unversioned.push_back(static_cast<std::uint64_t>(u.column_int(0)));
        if (!st) return st;
    }
    return d;
}

}  // namespace gostcsp::keystore::detail
