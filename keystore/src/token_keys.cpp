// SPDX-License-Identifier: Apache-2.0
// Key use inside the token: signing, VKO and reading secret key values.
#include "gostcsp/keystore/token.hpp"

#include "records.hpp"
#include "token_impl.hpp"

namespace gostcsp::keystore {

using namespace detail;

namespace {

// One signature with a key from the cache into `signature` (the set's signature size).
Status sign_with(const core::PrivateKey& key, std::span<const std::uint8_t> digest,
                 std::span<std::uint8_t> signature) {
    if (signature.size() != core::param_set_info(key.param_set()).signature_bytes()) {
        return Status(Error::invalid_argument, "signature buffer has the wrong size");
    }
    if (core::Status cs = core::sign_digest(key, digest, signature); !core::ok(cs)) {
        return crypto_status(cs, "signing failed");
    }
    return {};
}

}  // namespace

Result<Bytes> Token::sign_digest(ObjectHandle private_key, std::span<const std::uint8_t> digest) {
    auto entry = impl_->private_key(private_key);  // no lock held while signing
    if (!entry) return entry.status();
    const core::PrivateKey& key = **(*entry)->key;
    Bytes sig(core::param_set_info(key.param_set()).signature_bytes());
    if (Status st = sign_with(key, digest, sig); !st) return st;
    return sig;
}

Status Token::sign_digest(ObjectHandle private_key, std::span<const std::uint8_t> digest,
                          std::span<std::uint8_t> signature) {
    auto entry = impl_->private_key(private_key);  // no lock held while signing
    if (!entry) return entry.status();
    return sign_with(**(*entry)->key, digest, signature);
}

Result<SecureBytes> Token::vko(ObjectHandle private_key,
                               std::span<const std::uint8_t> peer_public_xy,
                               std::span<const std::uint8_t> ukm, core::DigestSize kek_size) {
    auto entry = impl_->private_key(private_key);
    if (!entry) return entry.status();
    const core::PrivateKey& key = **(*entry)->key;
    core::PublicKey peer;
    if (core::Status cs = core::PublicKey::from_le_xy(key.param_set(), peer_public_xy, peer);
        !core::ok(cs)) {
        return crypto_status(cs, "peer public key rejected");
    }
    SecureBytes kek(core::digest_bytes(kek_size));
    if (!kek.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
    if (core::Status cs = core::vko(key, peer, ukm, kek_size, kek.span()); !core::ok(cs)) {
        return crypto_status(cs, "VKO failed");
    }
    return kek;
}

Result<SecureBytes> Token::read_secret_value(ObjectHandle secret_key) {
    std::lock_guard lock(impl_->mu);
    auto r = impl_->load(secret_key);
    if (!r) return r.status();
    if (!impl_->visible(*r)) return Status(Error::object_not_found, "no such object");
    if (r->object_class != cko_secret_key) {
        return Status(Error::attribute_sensitive,
                      "only secret keys' values can be read; private keys never leave the token");
    }
    if ((r->flags & flag_sensitive) || !(r->flags & flag_extractable)) {
        return Status(Error::attribute_sensitive, "the key is sensitive or not extractable");
    }
    if (Status st = impl_->need_user(); !st) return st;
    if (Status st = impl_->check_not_must_change(); !st) return st;
    auto d = impl_->open(*r);
    if (!d) return d.status();
    return std::move(d->secret);
}

Result<SecureBytes> Token::secret_for_use(ObjectHandle secret_key) {
    std::lock_guard lock(impl_->mu);
    auto r = impl_->load(secret_key);
    if (!r) return r.status();
    if (!impl_->visible(*r)) return Status(Error::object_not_found, "no such object");
    if (r->object_class != cko_secret_key) {
        return Status(Error::attribute_sensitive, "only secret keys are used through their value");
    }
    if (Status st = impl_->need_user(); !st) return st;
    if (Status st = impl_->check_not_must_change(); !st) return st;
    auto d = impl_->open(*r);
    if (!d) return d.status();
    return std::move(d->secret);
}

}  // namespace gostcsp::keystore
