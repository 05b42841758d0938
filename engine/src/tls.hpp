// SPDX-License-Identifier: Apache-2.0
// What the gostcsp engine offers libssl 3.0 for the GOST TLS 1.2 suites (RFC 9189), built on
// core/: the record-layer ciphers (CTR-ACPKM with the TLSTREE control), the MAC key types and
// their EVP_MD forms (OMAC with TLSTREE), and the server side of the key transport (decrypt on a
// shell key). See docs/tls.md.
#pragma once

#include <openssl/engine.h>
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace gostcsp::engine::tls {

// Builds the cipher, digest, MAC-key and placeholder methods once and adds the ciphers and
// digests to OpenSSL's name table (libssl looks them up by NID). False if OpenSSL refused one.
bool init() noexcept;

// The MAC key types (kuznyechik-mac, magma-mac): NIDs, their methods and EVP_MDs (nullptr if
// unknown). init_macs() builds them (tls_mac.cpp; called by init()).
bool init_macs() noexcept;
std::span<const int> mac_nids() noexcept;
const EVP_MD* mac_md(int nid) noexcept;
EVP_PKEY_ASN1_METHOD* mac_ameth(int nid) noexcept;
EVP_PKEY_METHOD* mac_pmeth(int nid) noexcept;

// libssl 3.0 enables the GOST suites only if ASN.1 methods named "gost2001", "gost2012_256" and
// "gost2012_512" exist (ssl_load_ciphers -> get_optional_pkey_id -> EVP_PKEY_asn1_find_str).
// These are added as application methods (EVP_PKEY_asn1_add0) that decode and hold no key and
// belong to no ENGINE, so provider keys found under those names keep no engine and stay with the
// provider. True if they exist afterwards (also when someone else added them).
bool add_name_placeholders() noexcept;

// ENGINE_set_ciphers / ENGINE_set_digests callbacks.
int ciphers(ENGINE* e, const EVP_CIPHER** cipher, const int** nids, int nid) noexcept;
int digests(ENGINE* e, const EVP_MD** md, const int** nids, int nid) noexcept;

// The server half of the kGOST18 key transport (RFC 9189 §8.2.1, PSKeyTransport: KEG + KImp15):
// `in` is the ClientKeyExchange body, `ukm` = HASH(r_c | r_s) (32 bytes, EVP_PKEY_CTRL_SET_IV),
// `cipher_nid` from EVP_PKEY_CTRL_CIPHER (NID_kuznyechik_ctr or NID_magma_ctr); with NID_undef the
// kGOST transport (VKO + CryptoPro key unwrap, `ukm` unused). VKO runs on the
// provider key `own` (EVP_PKEY_derive), so a token key never leaves the token. Writes the 32-byte
// premaster secret. 1 on success, 0 with an error queued otherwise.
int keyx_decrypt(EVP_PKEY* own, int cipher_nid, std::span<const std::uint8_t> ukm,
                 unsigned char* out, std::size_t* outlen, const unsigned char* in,
                 std::size_t inlen) noexcept;

// Client mode (tls_client.cpp, engine control CLIENT_KEYS): the engine becomes the default pkey
// method of gost2012_256/512 so that libssl's client key transport on the server certificate's
// (provider) key reaches it. Public-key operations only; for TLS client processes.
void enable_client_keys() noexcept;
bool client_keys_enabled() noexcept;
// EVP_PKEY_encrypt of the 32-byte premaster secret to `server` (kGOST18 when cipher_nid is
// NID_kuznyechik_ctr / NID_magma_ctr with the 32-byte `ukm` = HASH(r_c | r_s); kGOST with the
// 8-byte UKM when NID_undef): a fresh ephemeral key, core KEG + KExp15 or VKO + key wrap.
int client_encrypt(EVP_PKEY* server, int cipher_nid, std::span<const std::uint8_t> ukm,
                   unsigned char* out, std::size_t* outlen, const unsigned char* in,
                   std::size_t inlen) noexcept;
// EVP_PKEY_verify of a digest with the public key of `key` (core). 1, 0, or -1 on a bad key.
int client_verify(EVP_PKEY* key, const unsigned char* sig, std::size_t siglen,
                  const unsigned char* tbs, std::size_t tbslen) noexcept;

}  // namespace gostcsp::engine::tls
