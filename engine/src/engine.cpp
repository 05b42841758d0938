// SPDX-License-Identifier: Apache-2.0
// The dynamic ENGINE "gostcsp": loads keys through OSSL_STORE and hands them out as legacy shells.
//
// Built with OPENSSL_SUPPRESS_DEPRECATED: the ENGINE API is deprecated in OpenSSL 3.0, and it is
// exactly the legacy interface this module bridges to (see bridge.cpp and docs/openssl.md).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/engine.h>
#include <openssl/err.h>

#include <string_view>

#include "bridge.hpp"
#include "tls.hpp"

namespace gostcsp::engine {
namespace {

constexpr const char* kId = "gostcsp";
constexpr const char* kName = "gostcsp bridge: provider GOST keys for legacy OpenSSL 3.0 paths";

EVP_PKEY* load_priv(ENGINE* e, const char* key_id, UI_METHOD* ui, void* ui_data) noexcept {
    return load_shell(e, key_id, ui, ui_data, true);
}

EVP_PKEY* load_pub(ENGINE* e, const char* key_id, UI_METHOD* ui, void* ui_data) noexcept {
    return load_shell(e, key_id, ui, ui_data, false);
}

// CLIENT_KEYS = 1 (openssl.cnf, before default_algorithms) or ENGINE_ctrl_cmd_string: the
// engine's client mode for TLS client processes (tls_client.cpp, docs/tls.md).
constexpr int kCmdClientKeys = ENGINE_CMD_BASE;
const ENGINE_CMD_DEFN kCmds[] = {
    {kCmdClientKeys, "CLIENT_KEYS",
     "1: be the default GOST key method (TLS client processes only: public-key operations)",
     ENGINE_CMD_FLAG_NUMERIC},
    {0, nullptr, nullptr, 0}};

int ctrl(ENGINE* e, int cmd, long i, void*, void (*)()) noexcept {
    if (cmd != kCmdClientKeys) return 0;
    if (i == 0) return 1;
    tls::enable_client_keys();
    return ENGINE_set_default_pkey_meths(e);
}

int bind(ENGINE* e, const char* id) noexcept {
    if (id != nullptr && std::string_view(id) != kId) return 0;
    if (error_library() == 0 || !init_methods(e) || !register_store_loader(e)) return 0;
    return ENGINE_set_id(e, kId) == 1 && ENGINE_set_name(e, kName) == 1 &&
                   ENGINE_set_load_privkey_function(e, &load_priv) == 1 &&
                   ENGINE_set_load_pubkey_function(e, &load_pub) == 1 &&
                   ENGINE_set_pkey_meths(e, &pkey_meths) == 1 &&
                   ENGINE_set_pkey_asn1_meths(e, &asn1_meths) == 1 &&
                   ENGINE_set_ciphers(e, &tls::ciphers) == 1 &&
                   ENGINE_set_digests(e, &tls::digests) == 1 &&
                   ENGINE_set_cmd_defns(e, kCmds) == 1 && ENGINE_set_ctrl_function(e, &ctrl) == 1
               ? 1
               : 0;
}

}  // namespace
}  // namespace gostcsp::engine

extern "C" {
// The two symbols the dynamic engine loader looks for (exported through gostcsp_engine.map).
__attribute__((visibility("default"))) int bind_engine(ENGINE* e, const char* id,
                                                       const dynamic_fns* fns);
__attribute__((visibility("default"))) unsigned long v_check(unsigned long v);

int bind_engine(ENGINE* e, const char* id, const dynamic_fns* fns) {
    // Same libcrypto in-process (no static copies): the memory functions need no re-pointing.
    if (ENGINE_get_static_state() != fns->static_state) return 0;
    return gostcsp::engine::bind(e, id);
}

unsigned long v_check(unsigned long v) {
    return v >= OSSL_DYNAMIC_OLDEST ? OSSL_DYNAMIC_VERSION : 0;
}
}
