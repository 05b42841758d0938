// SPDX-License-Identifier: Apache-2.0
// The legacy shell around provider GOST keys: EVP_PKEY_ASN1_METHOD / EVP_PKEY_METHOD that delegate
// every operation to the inner (provider) EVP_PKEY, for OpenSSL 3.0 code paths that only serve
// legacy keys (CMS and PKCS#7 signing, libssl's GOST key transport, ENGINE key loading).
#pragma once

#include <openssl/engine.h>
#include <openssl/evp.h>

namespace gostcsp::engine {

// Error reasons of the engine's own error library.
enum Reason : int {
    kCannotLoadKey = 100,
    kNotGostKey = 101,
    kTypeTaken = 102,
    kProviderFailed = 103,
    kWrongDigest = 104,
    kNoPeerKey = 105,
    kBadKeyRef = 106,
    kInternal = 107,
    kBadKeyTransport = 108,  // a malformed or forged GOST TLS key transport (ClientKeyExchange)
};

// Registers the engine's error strings once; returns the library code (0 on failure).
int error_library() noexcept;
void raise(int reason, const char* detail = nullptr) noexcept;

// Creates the method tables once, remembering `e` (the engine the shells belong to). False if
// OpenSSL refused one of them.
bool init_methods(ENGINE* e) noexcept;

// ENGINE_set_pkey_asn1_meths / ENGINE_set_pkey_meths callbacks. The pkey-method list is empty
// on purpose (see docs/openssl.md): the methods are reached only through a shell key's engine.
int asn1_meths(ENGINE* e, EVP_PKEY_ASN1_METHOD** ameth, const int** nids, int nid) noexcept;
int pkey_meths(ENGINE* e, EVP_PKEY_METHOD** pmeth, const int** nids, int nid) noexcept;

// Loads `uri` through OSSL_STORE (PIN/passphrase prompts through `ui`) and wraps the GOST key in
// a legacy shell. Returns nullptr with an error queued on failure. `want_private` selects the
// private key; otherwise a public key (or the public half of a private key) is accepted.
EVP_PKEY* load_shell(ENGINE* e, const char* uri, UI_METHOD* ui, void* ui_data,
                     bool want_private) noexcept;

// Wraps a provider GOST key `inner` (ownership taken) in a legacy shell of engine `e`; nullptr with
// an error queued if the key is not a GOST key or another engine owns the GOST key types.
EVP_PKEY* wrap_key(ENGINE* e, EVP_PKEY* inner) noexcept;

// The provider's second store scheme: "gostcsp-pkcs11:" + a pkcs11: URI reaches the gostcsp
// provider's store past the engine's own legacy loader for "pkcs11".
inline constexpr const char* kInnerStorePrefix = "gostcsp-pkcs11:";

// Registers the legacy OSSL_STORE loader for pkcs11: URIs (store_loader.cpp). False on failure.
bool register_store_loader(ENGINE* e) noexcept;

// True if the loaded engine's export hook (EVP_PKEY_eq with provider certificates) is active.
bool export_hook_active() noexcept;

}  // namespace gostcsp::engine
