// SPDX-License-Identifier: Apache-2.0
// Token keys: a GostKey's reference to a private key on a PKCS#11 token (never its scalar), the
// RFC 7512 look-up shared by the STORE and the key-URI decoder, and sign / VKO on the token.
#pragma once

#include <openssl/x509.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "gostcsp/gost3410.hpp"
#include "key.hpp"
#include "p11_client.hpp"

namespace gostcsp::prov {

// What a GostKey holds for a key that lives on a token: the token, and how to find the object
// again (CKA_ID / CKA_LABEL) when handles go stale (fork child, re-login).
struct TokenKey {
    std::shared_ptr<Token> token;
    KeyKind kind = KeyKind::k256;
    std::vector<std::uint8_t> id;
    std::string label;
    std::string uri;  // for messages only (never carries a PIN)

    mutable std::mutex mu;
    mutable CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
    mutable std::uint64_t handle_generation = 0;
};

// Where a PIN may come from, in order: the URI (pin-value, pin-source), the provider
// configuration, OpenSSL's passphrase callback (the openssl CLI prompts).
// pin-value is taken out of the URI text into locked memory before anything else sees the URI
// (split_pin_value), so no message, p11-kit structure or key object ever holds it.
struct PinSources {
    PinBuffer uri_pin_value;
    std::string uri_pin_source;
    OSSL_PASSPHRASE_CALLBACK* pw_cb = nullptr;
    void* pw_cbarg = nullptr;
};

// The provider's PKCS#11 client, created on first use (modules load lazily).
P11Client* p11_client(ProvCtx* prov) noexcept;
// Reads pkcs11-module, pkcs11-pin, pkcs11-pin-file from the provider's openssl.cnf section.
void configure_p11_client(ProvCtx* prov, const OSSL_CORE_HANDLE* handle,
                          OSSL_FUNC_core_get_params_fn* get_params) noexcept;
void free_p11_client(ProvCtx* prov) noexcept;

// One object a URI found.
struct FoundObject {
    std::shared_ptr<Token> token;
    CK_OBJECT_CLASS cls = 0;
    CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
};

// Finds the objects an RFC 7512 URI names (`only_class` narrows to one class when the URI has
// no type). Logs in when private keys may be wanted. Raises a readable error and returns false
// on failure (bad URI, no module/token, PIN refused, key not found when `need_some`).
bool find_uri_objects(ProvCtx* prov, const char* uri, CK_OBJECT_CLASS only_class, bool any_class,
                      bool need_some, PinSources& pins, std::vector<FoundObject>& out) noexcept;

// The token key a gostcsp key reference (a PKCS#8 whose algorithm is gostcsp/object_ids.hpp's
// OID and whose privateKey is a pkcs11: URI) names, when no gostcsp engine takes references in
// this process. *not_ours (and nullptr) when `p8` is no reference, names another key size, names a
// file, or the engine should have it; nullptr with an error raised when the key cannot be found.
GostKey* key_from_reference(ProvCtx* prov, KeyKind kind, const PKCS8_PRIV_KEY_INFO* p8,
                            OSSL_PASSPHRASE_CALLBACK* pw_cb, void* pw_cbarg,
                            bool* not_ours) noexcept;

// A GostKey for a private-key object (token reference + public key from the matching public
// key object or certificate), or for a public-key object. nullptr after raising an error.
GostKey* token_private_key(ProvCtx* prov, const FoundObject& obj, const char* uri) noexcept;
GostKey* token_public_key(ProvCtx* prov, const FoundObject& obj) noexcept;
// CKA_VALUE (DER) of a certificate object.
bool token_certificate_der(ProvCtx* prov, const FoundObject& obj,
                           std::vector<std::uint8_t>& der) noexcept;

// Signs a Streebog digest with the token key (raw CKM_GOSTR3410 / _512). s‖r into `sig`.
bool token_sign_digest(ProvCtx* prov, const TokenKey& key, std::span<const std::uint8_t> digest,
                       std::span<std::uint8_t> sig) noexcept;
// True when the token offers hash-and-sign (CKM_GOSTR3410_WITH_GOSTR3411_12_*) for this key.
bool token_has_hash_and_sign(const TokenKey& key) noexcept;

// Hash-and-sign on the token: C_SignInit once, C_SignUpdate per chunk, C_SignFinal. Shared by a
// signature context and its duplicates (OpenSSL duplicates the context before the final call).
class TokenSignStream {
  public:
    static std::shared_ptr<TokenSignStream> start(ProvCtx* prov,
                                                  std::shared_ptr<const TokenKey> key) noexcept;
    bool update(std::span<const std::uint8_t> data) noexcept;
    bool final(std::span<std::uint8_t> sig) noexcept;
    ~TokenSignStream();

  private:
    TokenSignStream() = default;
    ProvCtx* prov_ = nullptr;
    std::shared_ptr<const TokenKey> key_;
    SessionLease lease_;
    std::mutex mu_;
    bool active_ = false;
};

// VKO on the token: C_DeriveKey(CKM_GOSTR3410_12_DERIVE, CKD_NULL) into a session secret key,
// read back, destroyed. `out` is 32 or 64 bytes (VKO-256 / VKO-512).
bool token_vko(ProvCtx* prov, const TokenKey& key, const core::PublicKey& peer,
               std::span<const std::uint8_t> ukm, std::span<std::uint8_t> out) noexcept;

// PEM label of a key-URI file: SEQUENCE { desc VisibleString, uri UTF8String } in DER.
extern const char* const key_uri_pem_name;
extern const char* const key_uri_structure;  // "pk11-uri": DER structure name between decoders
// The decoder of key-URI PEM files (input=pem) and the `pkcs11` STORE loader
// (store_pkcs11.cpp).
extern const OSSL_DISPATCH uri_pem_decoder_functions[];
extern const OSSL_DISPATCH uri_der_decoder_functions[];
extern const OSSL_ALGORITHM store_algorithms[];

}  // namespace gostcsp::prov
