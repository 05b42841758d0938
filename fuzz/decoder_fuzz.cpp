// SPDX-License-Identifier: Apache-2.0
// libFuzzer: the provider's key decoders over arbitrary bytes, through OpenSSL's OSSL_DECODER as
// an application reaches them (d2i/PEM_read/openssl pkey): PKCS#8 PrivateKeyInfo and
// SubjectPublicKeyInfo DER (provider/src/decoder.cpp, key.cpp), PEM (OpenSSL's pem2der, then
// ours), gostcsp key references (PKCS#8 with the reference OID naming a token key) and key-URI
// files ("PKCS#11 PROVIDER URI" PEM / DER, store_pkcs11.cpp), whose URIs are resolved on the
// test token of provider_fixture.hpp. Each input is decoded for gost2012_256 and gost2012_512.
// Invariants: no crash or sanitizer report; a decoded key has 256 or 512 bits, and its
// SubjectPublicKeyInfo, when it has one, decodes again to an equal key.
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "provider_fixture.hpp"

namespace {

void check_key(OSSL_LIB_CTX* libctx, EVP_PKEY* pk) {
    const int bits = EVP_PKEY_get_bits(pk);
    if (bits != 256 && bits != 512) std::abort();
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(pk, &der);
    if (len <= 0) return;  // a key without its public half (a private-only PKCS#8)
    const unsigned char* p = der;
    EVP_PKEY* again = d2i_PUBKEY_ex(nullptr, &p, len, libctx, nullptr);
    if (again == nullptr || EVP_PKEY_eq(pk, again) != 1) std::abort();
    EVP_PKEY_free(again);
    OPENSSL_free(der);
}

void decode(OSSL_LIB_CTX* libctx, const char* keytype, int selection, const std::uint8_t* data,
            std::size_t size) {
    EVP_PKEY* pk = nullptr;
    OSSL_DECODER_CTX* dctx =
        OSSL_DECODER_CTX_new_for_pkey(&pk, nullptr, nullptr, keytype, selection, libctx, nullptr);
    if (dctx == nullptr) std::abort();
    const unsigned char* p = data;
    std::size_t left = size;
    if (OSSL_DECODER_from_data(dctx, &p, &left) == 1 && pk != nullptr) check_key(libctx, pk);
    EVP_PKEY_free(pk);
    OSSL_DECODER_CTX_free(dctx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    OSSL_LIB_CTX* libctx = fuzzfix::fixture().libctx;
    const int selection = OSSL_KEYMGMT_SELECT_ALL;  // PrivateKeyInfo, SPKI and key-URI chains
    decode(libctx, "gost2012_256", selection, data, size);
    decode(libctx, "gost2012_512", selection, data, size);
    ERR_clear_error();
    return 0;
}
