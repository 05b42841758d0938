// SPDX-License-Identifier: Apache-2.0
// Constant-time driver: runs one secret-handling operation with its secrets marked undefined
// (gostcsp/ct.hpp), so that valgrind/memcheck reports every branch and memory index computed from
// them (run through tests/ct/check_ct.sh). Outputs are marked public and checked for correctness,
// so a check never passes on a computation that silently did nothing.
//
//   ct_driver CASE [--streebog=IMPL] [--field=portable|auto]
//   CASE: keygen sign vko hmac pbkdf2 pin-unwrap record-unseal   (must be clean)
//         planted-branch planted-index                           (must be reported: self-test)
// Every random byte (RAND_priv_bytes / RAND_bytes) is secret too: a RAND_METHOD poisons it.
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED  // RAND_set_rand_method: the one hook libcrypto 3.0 offers
#endif
#include <openssl/rand.h>
#include <sys/random.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "gostcsp/ct.hpp"
#include "gostcsp/gost3410.hpp"
#include "gostcsp/streebog.hpp"
#include "internal.hpp"  // keystore: derive_kek, aead_seal / aead_open

namespace core = gostcsp::core;
namespace ks = gostcsp::keystore;
namespace ct = gostcsp::ct;
using Bytes = std::vector<std::uint8_t>;

namespace {

// ---------------------------------------------------------------- secret randomness

int poisoned_bytes(unsigned char* buf, int num) {
    std::size_t done = 0;
    while (done < static_cast<std::size_t>(num)) {
        const ssize_t n = getrandom(buf + done, static_cast<std::size_t>(num) - done, 0);
        if (n <= 0) return 0;
        done += static_cast<std::size_t>(n);
    }
    ct::poison(buf, done);
    return 1;
}
int rand_status() {
    return 1;
}
const RAND_METHOD poisoning_rand = {nullptr, poisoned_bytes, nullptr,
                                    nullptr, poisoned_bytes, rand_status};

Bytes random_public(std::size_t n) {
    Bytes b(n);
    if (poisoned_bytes(b.data(), static_cast<int>(n)) != 1) std::abort();
    ct::unpoison(b.data(), n);
    return b;
}

bool fail(const char* what) {
    std::fprintf(stderr, "ct_driver: %s\n", what);
    return false;
}

// ---------------------------------------------------------------- cases

// Planted leaks: the job must report both (Botan's ct_selftest idea).
bool planted_branch() {
    Bytes secret = random_public(16);
    ct::poison(secret.data(), secret.size());
    volatile int sink = 0;
    if (secret[3] & 1) sink = sink + 1;  // secret-dependent branch
    ct::unpoison(secret.data(), secret.size());
    return true;
}

bool planted_index() {
    static const std::uint8_t table[256] = {1, 2, 3};
    Bytes secret = random_public(16);
    ct::poison(secret.data(), secret.size());
    volatile std::uint8_t sink = table[secret[5]];  // secret-dependent memory index
    (void)sink;
    ct::unpoison(secret.data(), secret.size());
    return true;
}

bool keygen_and_check(core::ParamSet set) {
    core::PrivateKey key;
    if (!core::ok(core::PrivateKey::generate(set, key))) return fail("generate");
    core::PublicKey pub;
    if (!core::ok(key.derive_public(pub))) return fail("derive_public");
    ct::unpoison(pub.le_xy().data(), pub.le_xy().size());  // the public key is public
    // The key works: a signature under it verifies (verification is public-data code).
    Bytes digest = random_public(core::param_set_info(set).field_bytes());
    Bytes sig(core::param_set_info(set).signature_bytes());
    if (!core::ok(core::sign_digest(key, digest, sig))) return fail("sign after keygen");
    ct::unpoison(sig.data(), sig.size());
    return core::ok(core::verify_digest(pub, digest, sig)) || fail("keygen: verify");
}

// A fixed-but-secret scalar: random, reduced below q by clearing the top byte.
bool load_secret_key(core::ParamSet set, core::PrivateKey& key, core::PublicKey& pub) {
    const std::size_t n = core::param_set_info(set).field_bytes();
    for (;;) {
        Bytes d = random_public(n);
        d[n - 1] = 0;
        d[0] |= 1;
        core::PrivateKey pub_key;  // public copy only to compute the public key outside the check
        if (!core::ok(core::PrivateKey::from_le_bytes(set, d, pub_key))) continue;
        if (!core::ok(pub_key.derive_public(pub))) return fail("derive_public");
        ct::unpoison(pub.le_xy().data(), pub.le_xy().size());
        ct::poison(d.data(), d.size());
        if (!core::ok(core::PrivateKey::from_le_bytes(set, d, key))) return fail("from_le_bytes");
        std::memset(d.data(), 0, d.size());
        return true;
    }
}

bool sign_and_check(core::ParamSet set) {
    core::PrivateKey key;
    core::PublicKey pub;
    if (!load_secret_key(set, key, pub)) return false;
    for (int i = 0; i < 3; ++i) {
        Bytes digest = random_public(core::param_set_info(set).field_bytes());
        Bytes sig(core::param_set_info(set).signature_bytes());
        if (!core::ok(core::sign_digest(key, digest, sig))) return fail("sign_digest");
        ct::unpoison(sig.data(), sig.size());  // the signature is the output
        if (!core::ok(core::verify_digest(pub, digest, sig))) return fail("sign: verify");
    }
    Bytes msg = random_public(100), sig(core::param_set_info(set).signature_bytes());
    if (!core::ok(core::sign_message(key, msg, sig))) return fail("sign_message");
    ct::unpoison(sig.data(), sig.size());
    return core::ok(core::verify_message(pub, msg, sig)) || fail("sign_message: verify");
}

bool vko_and_check(core::ParamSet set) {
    core::PrivateKey a, b;
    core::PublicKey pa, pb;
    if (!load_secret_key(set, a, pa) || !load_secret_key(set, b, pb)) return false;
    const Bytes ukm = random_public(8);
    for (core::DigestSize size : {core::DigestSize::bits256, core::DigestSize::bits512}) {
        Bytes k1(core::digest_bytes(size)), k2(core::digest_bytes(size));
        if (!core::ok(core::vko(a, pb, ukm, size, k1))) return fail("vko a");
        if (!core::ok(core::vko(b, pa, ukm, size, k2))) return fail("vko b");
        ct::unpoison(k1.data(), k1.size());  // declassified only to compare them here
        ct::unpoison(k2.data(), k2.size());
        if (k1 != k2) return fail("vko: the two sides disagree");
    }
    return true;
}

bool hmac_and_check() {
    for (std::size_t klen : {32u, 64u, 100u}) {
        const Bytes key = random_public(klen), msg = random_public(150);
        Bytes want(64), got(64);
        core::HmacStreebog ref(core::DigestSize::bits512, key, core::StreebogImpl::public_tables);
        ref.update(msg);
        ref.final(want);  // public key: the table path is fine here
        Bytes secret_key = key;
        ct::poison(secret_key.data(), secret_key.size());
        core::HmacStreebog mac(core::DigestSize::bits512, secret_key);
        mac.update(msg);
        mac.final(got);
        ct::unpoison(got.data(), got.size());
        if (got != want) return fail("hmac: wrong output");
    }
    return true;
}

// PBKDF2 over a secret PIN: the same call on the public PIN gives the reference.
bool pbkdf2_and_check() {
    const Bytes pin = random_public(12), salt = random_public(32);
    Bytes want(32), got(32);
    core::pbkdf2_streebog512(pin, salt, 3, want);
    Bytes secret_pin = pin;
    ct::poison(secret_pin.data(), secret_pin.size());
    core::pbkdf2_streebog512(secret_pin, salt, 3, got);
    ct::unpoison(got.data(), got.size());
    return got == want || fail("pbkdf2: wrong output");
}

// The keystore's PIN unwrap: KEK = PBKDF2(PIN), then AES-256-GCM opens the wrapped data key.
bool pin_unwrap_and_check() {
    const std::string pin = "ct-check-1234";
    const Bytes salt = random_public(ks::detail::kdf_salt_bytes);
    const Bytes nonce = random_public(ks::detail::aead_nonce_bytes);
    const Bytes data_key = random_public(ks::detail::aead_key_bytes);
    const Bytes aad = {'w', 'r', 'a', 'p'};
    auto kek = ks::detail::derive_kek(ks::detail::kdf_pbkdf2_streebog512, pin, salt, 3);
    if (!kek) return fail("derive_kek");
    auto wrapped =
        ks::detail::aead_seal(ks::detail::aead_aes256_gcm, kek->span(), nonce, aad, data_key);
    if (!wrapped) return fail("aead_seal");
    std::string secret_pin = pin;
    ct::poison(secret_pin.data(), secret_pin.size());
    auto kek2 = ks::detail::derive_kek(ks::detail::kdf_pbkdf2_streebog512, secret_pin, salt, 3);
    if (!kek2) return fail("derive_kek (secret)");
    auto opened =
        ks::detail::aead_open(ks::detail::aead_aes256_gcm, kek2->span(), nonce, aad, *wrapped);
    if (!opened) return fail("pin unwrap: tag rejected");
    ct::unpoison(opened->data(), opened->size());
    return Bytes(opened->data(), opened->data() + opened->size()) == data_key ||
           fail("pin unwrap: wrong data key");
}

// Record unsealing with a secret data key; the plaintext (a key) stays secret until compared.
bool record_unseal_and_check() {
    const Bytes key = random_public(ks::detail::aead_key_bytes);
    const Bytes nonce = random_public(ks::detail::aead_nonce_bytes);
    const Bytes aad = {'r', 'e', 'c'};
    const Bytes value = random_public(64);
    auto sealed = ks::detail::aead_seal(ks::detail::aead_aes256_gcm, key, nonce, aad, value);
    if (!sealed) return fail("aead_seal");
    Bytes secret_key = key;
    ct::poison(secret_key.data(), secret_key.size());
    auto opened =
        ks::detail::aead_open(ks::detail::aead_aes256_gcm, secret_key, nonce, aad, *sealed);
    if (!opened) return fail("record unseal: tag rejected");
    ct::unpoison(opened->data(), opened->size());
    return Bytes(opened->data(), opened->data() + opened->size()) == value ||
           fail("record unseal: wrong plaintext");
}

template <class F>
bool each_set(F&& f) {
    for (const core::ParamSetInfo& info : core::all_param_sets()) {
        std::fprintf(stderr, "  %s\n", std::string(info.name).c_str());
        if (!f(info.id)) return false;
    }
    return true;
}

bool run(std::string_view name) {
    if (name == "planted-branch") return planted_branch();
    if (name == "planted-index") return planted_index();
    if (name == "keygen") return each_set(keygen_and_check);
    if (name == "sign") return each_set(sign_and_check);
    if (name == "vko") return each_set(vko_and_check);
    if (name == "hmac") return hmac_and_check();
    if (name == "pbkdf2") return pbkdf2_and_check();
    if (name == "pin-unwrap") return pin_unwrap_and_check();
    if (name == "record-unseal") return record_unseal_and_check();
    return fail("unknown case");
}

core::StreebogImpl impl_named(std::string_view v) {
    for (core::StreebogImpl i : {core::StreebogImpl::automatic_secret,
                                 core::StreebogImpl::public_tables, core::StreebogImpl::avx512_gfni,
                                 core::StreebogImpl::ct_ssse3, core::StreebogImpl::ct_generic})
        if (core::streebog_impl_name(i) == v) return i;
    std::fprintf(stderr, "ct_driver: unknown Streebog implementation '%.*s'\n",
                 static_cast<int>(v.size()), v.data());
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: ct_driver CASE [--streebog=IMPL] [--field=portable|auto]\n");
        return 2;
    }
    if (!ct::checks_compiled_in()) {
        std::fprintf(stderr, "ct_driver: built without <valgrind/memcheck.h>; nothing to check\n");
        return 77;
    }
    core::StreebogImpl want = core::StreebogImpl::automatic_secret;
    bool portable_field = false;
    for (int i = 2; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a.starts_with("--streebog="))
            want = impl_named(a.substr(11));
        else if (a == "--field=portable")
            portable_field = true;
        else if (a != "--field=auto")
            return fail("unknown option"), 2;
    }
    if (want != core::StreebogImpl::automatic_secret && !core::streebog_impl_supported(want)) {
        std::fprintf(stderr, "ct_driver: %s not available here (under valgrind: no AVX-512)\n",
                     argv[2] + 11);
        return 77;
    }
    const core::StreebogImpl got = core::testing::force_streebog_secret_impl(want);
    const bool adx = core::testing::force_portable_arithmetic(portable_field);
    if (RAND_set_rand_method(&poisoning_rand) != 1) return fail("RAND_set_rand_method"), 1;
    std::fprintf(stderr, "ct_driver: %s, streebog %s, field %s%s\n", argv[1],
                 std::string(core::streebog_impl_name(got)).c_str(), adx ? "mulx/adx" : "portable",
                 ct::running_under_valgrind() ? "" : " (not under valgrind: no check)");
    const bool ok = run(argv[1]);
    std::fprintf(stderr, "ct_driver: %s %s\n", argv[1], ok ? "computed correctly" : "FAILED");
    return ok ? 0 : 1;
}
