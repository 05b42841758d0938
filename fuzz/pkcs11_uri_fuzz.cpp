// SPDX-License-Identifier: Apache-2.0
// libFuzzer: RFC 7512 `pkcs11:` URIs through the provider's STORE loader, as `openssl pkey -in
// pkcs11:…` or OSSL_STORE_open reach it: the pin-value split (pin_buffer.cpp), p11-kit's URI
// parser and everything the provider does with the result (token_key.cpp: unrecognised and
// module-path attributes refused, token/slot/module matching, the search template built from the
// URI's attributes, login with pin-value / pin-source / the configured PIN, objects loaded as
// keys) over the test token of provider_fixture.hpp. Inputs that do not start with the scheme are
// given it. Invariants: no crash or sanitizer report; every object loaded is a key or
// certificate of the token's sizes; the loader ends (at most 16 objects: the token has 4).
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/store.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "provider_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    OSSL_LIB_CTX* libctx = fuzzfix::fixture().libctx;
    std::string uri(reinterpret_cast<const char*>(data), size);
    if (const auto nul = uri.find('\0'); nul != std::string::npos) uri.resize(nul);
    if (uri.compare(0, 7, "pkcs11:") != 0) uri.insert(0, "pkcs11:");
    OSSL_STORE_CTX* st = OSSL_STORE_open_ex(uri.c_str(), libctx, "provider=gostcsp", nullptr,
                                            nullptr, nullptr, nullptr, nullptr);
    if (st != nullptr) {
        for (int n = 0; !OSSL_STORE_eof(st); ++n) {
            if (n == 16) std::abort();
            OSSL_STORE_INFO* info = OSSL_STORE_load(st);
            if (info == nullptr) {
                if (OSSL_STORE_error(st)) break;
                continue;
            }
            const int type = OSSL_STORE_INFO_get_type(info);
            if (type == OSSL_STORE_INFO_PKEY || type == OSSL_STORE_INFO_PUBKEY) {
                EVP_PKEY* pk = type == OSSL_STORE_INFO_PKEY ? OSSL_STORE_INFO_get0_PKEY(info)
                                                            : OSSL_STORE_INFO_get0_PUBKEY(info);
                const int bits = EVP_PKEY_get_bits(pk);
                if (bits != 256 && bits != 512) std::abort();
            } else if (type != OSSL_STORE_INFO_CERT) {
                std::abort();
            }
            OSSL_STORE_INFO_free(info);
        }
        OSSL_STORE_close(st);
    }
    ERR_clear_error();
    return 0;
}
