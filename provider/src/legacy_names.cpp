// SPDX-License-Identifier: Apache-2.0
// Legacy EVP_MD entries for Streebog: the fix for OpenSSL 3.0's NID-based digest look-ups.
//
// OpenSSL 3.0 still finds a signature's digest by NID through the legacy name table in
// ASN1_item_verify_ctx (X509_verify, `openssl verify`), x509_sig_info_init (security bits,
// "CA md too weak"), PKCS7_signatureVerify, the TS verifier and CMS_add1_signer; and a fetched
// provider digest only gets a NID (EVP_MD_get_type) when a legacy method of that name exists.
// With Streebog only in a provider, all of these fail (gost-engine/engine#531, #532).
//
// We register one legacy EVP_MD per Streebog size under OpenSSL's own NIDs
// (NID_id_GostR3411_2012_256 / _512). Its methods run core::Streebog, but in practice it is only a
// name-table entry: EVP_DigestInit_ex and EVP_DigestVerifyInit_ex re-fetch the provider
// implementation by name. An entry that already exists (gost-engine loaded) is left alone.
// The module is linked with -z nodelete so these function pointers outlive an unload.
#define OPENSSL_SUPPRESS_DEPRECATED  // EVP_MD_meth_*: the only way to register a legacy NID
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include <new>

#include "gostcsp/streebog.hpp"
#include "prov.hpp"

namespace gostcsp::prov {

namespace {

// The legacy context stores a pointer: md_data is only 16-byte aligned, Streebog wants 64.
core::Streebog*& state(EVP_MD_CTX* ctx) noexcept {
    return *static_cast<core::Streebog**>(EVP_MD_CTX_md_data(ctx));
}

template <core::DigestSize Size>
int legacy_init(EVP_MD_CTX* ctx) noexcept {
    core::Streebog*& s = state(ctx);
    if (s == nullptr) s = new (std::nothrow) core::Streebog(Size);
    if (s == nullptr) return 0;
    s->reset();
    return 1;
}

int legacy_update(EVP_MD_CTX* ctx, const void* data, size_t count) noexcept {
    core::Streebog* s = state(ctx);
    if (s == nullptr) return 0;
    s->update({static_cast<const std::uint8_t*>(data), count});
    return 1;
}

int legacy_final(EVP_MD_CTX* ctx, unsigned char* md) noexcept {
    core::Streebog* s = state(ctx);
    if (s == nullptr) return 0;
    s->final({md, s->output_bytes()});
    return 1;
}

int legacy_copy(EVP_MD_CTX* to, const EVP_MD_CTX* from) noexcept {
    // OpenSSL has already copied md_data bytewise: the pointer is shared until we clone it.
    const core::Streebog* src =
        *static_cast<core::Streebog* const*>(EVP_MD_CTX_md_data(const_cast<EVP_MD_CTX*>(from)));
    core::Streebog*& dst = state(to);
    dst = nullptr;
    if (src == nullptr) return 1;
    dst = new (std::nothrow) core::Streebog(*src);
    return dst != nullptr ? 1 : 0;
}

int legacy_cleanup(EVP_MD_CTX* ctx) noexcept {
    if (EVP_MD_CTX_md_data(ctx) == nullptr) return 1;
    core::Streebog*& s = state(ctx);
    delete s;
    s = nullptr;
    return 1;
}

// Ours, for freeing in OPENSSL_cleanup (after which the name table is gone as well).
EVP_MD* registered[2] = {nullptr, nullptr};

void free_registered() {
    for (EVP_MD*& md : registered) {
        EVP_MD_meth_free(md);
        md = nullptr;
    }
}

template <core::DigestSize Size>
bool register_one(int nid, EVP_MD*& slot) noexcept {
    if (EVP_get_digestbynid(nid) != nullptr) return true;  // someone (gost-engine) has it
    EVP_MD* md = EVP_MD_meth_new(nid, NID_undef);
    if (md == nullptr) return false;
    const bool ok = EVP_MD_meth_set_result_size(md, static_cast<int>(core::digest_bytes(Size))) &&
                    EVP_MD_meth_set_input_blocksize(md, core::Streebog::block_size) &&
                    EVP_MD_meth_set_app_datasize(md, sizeof(core::Streebog*)) &&
                    EVP_MD_meth_set_flags(md, EVP_MD_FLAG_DIGALGID_NULL) &&
                    EVP_MD_meth_set_init(md, &legacy_init<Size>) &&
                    EVP_MD_meth_set_update(md, &legacy_update) &&
                    EVP_MD_meth_set_final(md, &legacy_final) &&
                    EVP_MD_meth_set_copy(md, &legacy_copy) &&
                    EVP_MD_meth_set_cleanup(md, &legacy_cleanup) && EVP_add_digest(md);
    if (!ok) {
        EVP_MD_meth_free(md);
        return false;
    }
    slot = md;  // the name table refers to it until OPENSSL_cleanup
    return true;
}

}  // namespace

bool register_legacy_digests() noexcept {
    const bool fresh = registered[0] == nullptr && registered[1] == nullptr;
    const bool ok =
        register_one<core::DigestSize::bits256>(NID_id_GostR3411_2012_256, registered[0]) &&
        register_one<core::DigestSize::bits512>(NID_id_GostR3411_2012_512, registered[1]);
    if (ok && fresh && (registered[0] != nullptr || registered[1] != nullptr))
        (void)OPENSSL_atexit(&free_registered);
    return ok;
}

}  // namespace gostcsp::prov
