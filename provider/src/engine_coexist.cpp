// SPDX-License-Identifier: Apache-2.0
#define OPENSSL_SUPPRESS_DEPRECATED  // ENGINE_*: the only way to ask which engine owns a NID
#include "engine_coexist.hpp"

#include <openssl/engine.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include <cstring>

#include "errors.hpp"
#include "gostcsp/object_ids.hpp"

namespace gostcsp::prov {

namespace {
constexpr const char* own_engine_id = "gostcsp";  // engine/src/engine.cpp: the bridge
}

const char* foreign_pkey_engine(KeyKind kind) noexcept {
#ifdef OPENSSL_NO_ENGINE
    (void)kind;
    return nullptr;
#else
    const int nid = kind == KeyKind::k256 ? NID_id_GostR3410_2012_256 : NID_id_GostR3410_2012_512;
    ENGINE* e = ENGINE_get_pkey_meth_engine(nid);  // a functional reference, or nullptr
    if (e == nullptr) return nullptr;
    // Engine ids are static strings of the loaded engine; they outlive this call.
    const char* id = ENGINE_get_id(e);
    const bool ours = id != nullptr && std::strcmp(id, own_engine_id) == 0;
    ENGINE_finish(e);
    if (ours) return nullptr;
    return id != nullptr ? id : "(unnamed)";
#endif
}

bool own_bridge_takes_references() noexcept {
#ifdef OPENSSL_NO_ENGINE
    return false;
#else
    const int nid = OBJ_txt2nid(key_reference_oid);
    if (nid == NID_undef) return false;
    ENGINE* e = ENGINE_get_pkey_asn1_meth_engine(nid);  // a functional reference, or nullptr
    if (e == nullptr) return false;
    const char* id = ENGINE_get_id(e);
    const bool ours = id != nullptr && std::strcmp(id, own_engine_id) == 0;
    ENGINE_finish(e);
    return ours;
#endif
}

bool refuse_under_foreign_engine(const ProvCtx* prov, KeyKind kind) noexcept {
    const char* id = foreign_pkey_engine(kind);
    if (id == nullptr) return false;
    GOSTCSP_RAISE(prov, Reason::foreign_engine,
                  "engine \"%s\" implements %s keys in this process, and OpenSSL 3.0 hands every "
                  "such key to it, gostcsp's too; to use token keys here, load gost-engine's "
                  "provider (gostprov: its ciphers, digests and MACs) instead of its engine",
                  id, key_type_name(kind));
    return true;
}

}  // namespace gostcsp::prov
