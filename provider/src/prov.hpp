// SPDX-License-Identifier: Apache-2.0
// Shared provider plumbing: the provider context, typed dispatch entries, algorithm tables.
#pragma once

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/types.h>

#include <cstddef>
#include <new>

// Algorithm names: gost-engine's short name, the RFC name, the OID and OpenSSL's long name.
// OpenSSL looks some of these up by OBJ_obj2txt(..., 0), which yields the long name.
#define GOSTCSP_NAMES_256                                                                    \
    "gost2012_256:id-tc26-gost3410-12-256:1.2.643.7.1.1.1.1:GOST R 34.10-2012 with 256 bit " \
    "modulus"
#define GOSTCSP_NAMES_512                                                                    \
    "gost2012_512:id-tc26-gost3410-12-512:1.2.643.7.1.1.1.2:GOST R 34.10-2012 with 512 bit " \
    "modulus"
#define GOSTCSP_NAMES_STREEBOG256                                          \
    "md_gost12_256:id-tc26-gost3411-12-256:streebog256:1.2.643.7.1.1.2.2:" \
    "GOST R 34.11-2012 with 256 bit hash"
#define GOSTCSP_NAMES_STREEBOG512                                          \
    "md_gost12_512:id-tc26-gost3411-12-512:streebog512:1.2.643.7.1.1.2.3:" \
    "GOST R 34.11-2012 with 512 bit hash"

namespace gostcsp::prov {

class P11Client;  // token keys (p11_client.hpp)

// One per loaded provider instance. Core upcalls live here, never in globals.
struct ProvCtx {
    const OSSL_CORE_HANDLE* handle = nullptr;
    // Child library context: sees the application's providers (ciphers for encrypted PKCS#8) and
    // turns OSSL_CORE_BIO into BIO.
    OSSL_LIB_CTX* libctx = nullptr;
    OSSL_FUNC_core_new_error_fn* core_new_error = nullptr;
    OSSL_FUNC_core_set_error_debug_fn* core_set_error_debug = nullptr;
    OSSL_FUNC_core_vset_error_fn* core_vset_error = nullptr;
    // PKCS#11 client for pkcs11: URIs and key-URI files (token_key.cpp); modules load lazily.
    P11Client* p11 = nullptr;
};

// A dispatch table row whose function type is checked against OpenSSL's OSSL_FUNC_*_fn typedef
// at compile time: entry<OSSL_FUNC_DIGEST_NEWCTX, OSSL_FUNC_digest_newctx_fn>(&newctx).
template <int Id, class Fn>
inline OSSL_DISPATCH entry(Fn* fn) noexcept {
    return OSSL_DISPATCH{Id, reinterpret_cast<void (*)(void)>(fn)};
}
inline constexpr OSSL_DISPATCH dispatch_end{0, nullptr};

// Algorithm tables, one per operation (defined in digest.cpp, keymgmt.cpp, ...).
extern const OSSL_ALGORITHM digest_algorithms[];
extern const OSSL_ALGORITHM keymgmt_algorithms[];
extern const OSSL_ALGORITHM signature_algorithms[];
extern const OSSL_ALGORITHM keyexch_algorithms[];
extern const OSSL_ALGORITHM encoder_algorithms[];
extern const OSSL_ALGORITHM decoder_algorithms[];
extern const OSSL_ALGORITHM* const cipher_algorithms;  // cipher.cpp (rows of sym_algs.hpp)
extern const OSSL_ALGORITHM* const mac_algorithms;     // mac.cpp

// Registers legacy EVP_MD entries for Streebog so that libcrypto's NID-based digest look-ups
// (certificate verification, CMS, PKCS#7, TS) find them. See legacy_names.cpp.
bool register_legacy_digests() noexcept;

// Allocation without exceptions: every object handed to OpenSSL is created through this.
template <class T, class... Args>
T* make(Args&&... args) noexcept {
    return new (std::nothrow) T(static_cast<Args&&>(args)...);
}

}  // namespace gostcsp::prov
