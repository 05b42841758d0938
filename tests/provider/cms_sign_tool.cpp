// SPDX-License-Identifier: Apache-2.0
// CMS signing with a gostcsp key on OpenSSL 3.0, the application-side workaround for the empty
// SignerInfo.signatureAlgorithm (docs/openssl.md "What OpenSSL 3.0 does not allow a provider to
// do"): sign with CMS_PARTIAL, fill the algorithm as gost-engine does, then CMS_final.
//   gostcsp_cms_sign <signer cert.pem> <key.pem> <input> <output.der> [detached]
// Keys and digests come from whatever OPENSSL_CONF activates (gostcsp beside default).
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstring>

namespace {

int fail(const char* what) {
    std::fprintf(stderr, "gostcsp_cms_sign: %s\n", what);
    ERR_print_errors_fp(stderr);
    return 1;
}

int run(int argc, char** argv) {
    if (argc != 5 && argc != 6) return fail("usage: <cert> <key> <in> <out.der> [detached]");
    const bool detached = argc == 6 && std::strcmp(argv[5], "detached") == 0;
    BIO* cert_in = BIO_new_file(argv[1], "r");
    BIO* key_in = BIO_new_file(argv[2], "r");
    X509* cert = cert_in ? PEM_read_bio_X509(cert_in, nullptr, nullptr, nullptr) : nullptr;
    EVP_PKEY* key = key_in ? PEM_read_bio_PrivateKey(key_in, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(cert_in);
    BIO_free(key_in);
    if (cert == nullptr || key == nullptr) return fail("cannot read the certificate or key");

    const unsigned int flags = CMS_BINARY | CMS_PARTIAL | (detached ? CMS_DETACHED : 0u);
    CMS_ContentInfo* cms = CMS_sign(nullptr, nullptr, nullptr, nullptr, flags);
    // md = nullptr: the key's mandatory digest (md_gost12_256 / md_gost12_512).
    CMS_SignerInfo* si = cms ? CMS_add1_signer(cms, cert, key, nullptr, flags) : nullptr;
    if (si == nullptr) return fail("CMS_add1_signer");
    // OpenSSL 3.0 leaves this empty for provider keys; gost-engine writes the key's algorithm
    // OID with NULL parameters (RFC 4490 §3.2 convention).
    X509_ALGOR* sig_alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &sig_alg);
    const char* key_oid =
        EVP_PKEY_is_a(key, "gost2012_512") ? "1.2.643.7.1.1.1.2" : "1.2.643.7.1.1.1.1";
    if (sig_alg == nullptr ||
        !X509_ALGOR_set0(sig_alg, OBJ_txt2obj(key_oid, 1), V_ASN1_NULL, nullptr))
        return fail("signatureAlgorithm");

    BIO* data = BIO_new_file(argv[3], "rb");
    BIO* out = BIO_new_file(argv[4], "wb");
    const bool ok = data != nullptr && out != nullptr && CMS_final(cms, data, nullptr, flags) &&
                    i2d_CMS_bio(out, cms);
    BIO_free(data);
    BIO_free(out);
    CMS_ContentInfo_free(cms);
    EVP_PKEY_free(key);
    X509_free(cert);
    return ok ? 0 : fail("CMS_final / write");
}

}  // namespace

int main(int argc, char** argv) {
    return run(argc, argv);
}
