// SPDX-License-Identifier: Apache-2.0
// The C ABI: every PKCS#11 v2.40 C_* function, the function list and the v3.0 interface calls.
//
// Each entry point is a trampoline into the C++ model (module.hpp) through guard(), the one
// catch ladder: P11Error → its CK_RV, std::bad_alloc → CKR_HOST_MEMORY, anything else →
// CKR_GENERAL_ERROR. No exception crosses this file's functions. Only C_GetFunctionList,
// C_GetInterfaceList and C_GetInterface are exported (gostcsp-pkcs11.map).
#include <pthread.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <new>

#include "module.hpp"

namespace gostcsp::p11 {
namespace {

std::atomic<Module*> g_module{nullptr};
// Bumped in every fork child (pthread_atfork): a module initialised at another generation is a
// parent's. Cheaper than getpid(), a system call, on every PKCS#11 call.
std::atomic<unsigned> g_fork_generation{0};
std::atomic<unsigned> g_init_generation{0};  // stored before g_module is published
std::mutex g_init_mutex;                     // C_Initialize / C_Finalize against each other

template <class F>
CK_RV guard(F&& f) noexcept {
    try {
        return f();
    } catch (const P11Error& e) {
        return e.rv();
    } catch (const std::bad_alloc&) {
        return CKR_HOST_MEMORY;
    } catch (...) {
        return CKR_GENERAL_ERROR;
    }
}

// The live module of this process; a forked child sees none until it calls C_Initialize.
Module& module() {
    Module* m = g_module.load(std::memory_order_acquire);
    if (m == nullptr || g_init_generation.load(std::memory_order_relaxed) !=
                            g_fork_generation.load(std::memory_order_relaxed))
        fail(CKR_CRYPTOKI_NOT_INITIALIZED);
    return *m;
}

CK_RV initialize(CK_VOID_PTR init_args) {
    const auto* args = static_cast<const CK_C_INITIALIZE_ARGS*>(init_args);
    if (args != nullptr) {
        check(args->pReserved == nullptr, CKR_ARGUMENTS_BAD);
        int given = (args->CreateMutex != nullptr) + (args->DestroyMutex != nullptr) +
                    (args->LockMutex != nullptr) + (args->UnlockMutex != nullptr);
        check(given == 0 || given == 4, CKR_ARGUMENTS_BAD);
    }
    std::lock_guard<std::mutex> lock(g_init_mutex);
    Module* old = g_module.load();
    if (old != nullptr) {
        if (g_init_generation.load() == g_fork_generation.load())
            return CKR_CRYPTOKI_ALREADY_INITIALIZED;
        // A forked child: the parent's module (its locks, SQLite handles, login keys) is not
        // ours to use or to tear down; it is abandoned, and the child starts afresh.
        g_module.store(nullptr);
    }
    static std::once_flag atfork_once;
    std::call_once(atfork_once, [] {
        ::pthread_atfork(nullptr, nullptr,
                         [] { g_fork_generation.fetch_add(1, std::memory_order_relaxed); });
    });
    auto* m = new Module(args);
    g_init_generation.store(g_fork_generation.load());
    g_module.store(m, std::memory_order_release);
    return CKR_OK;
}

CK_RV finalize(CK_VOID_PTR reserved) {
    check(reserved == nullptr, CKR_ARGUMENTS_BAD);
    std::lock_guard<std::mutex> lock(g_init_mutex);
    Module* m = g_module.load();
    if (m == nullptr || g_init_generation.load() != g_fork_generation.load())
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    g_module.store(nullptr);
    delete m;
    return CKR_OK;
}

}  // namespace
}  // namespace gostcsp::p11

using gostcsp::p11::guard;
using gostcsp::p11::module;

// One body per function: run `body` against the live module, CKR_OK unless it throws.
#define GOSTCSP_P11_CALL(body)    \
    return guard([&]() -> CK_RV { \
        body;                     \
        return CKR_OK;            \
    })
#define GOSTCSP_P11_UNSUPPORTED_SESSION(h) \
    return guard([&]() -> CK_RV {          \
        module().check_session(h);         \
        return CKR_FUNCTION_NOT_SUPPORTED; \
    })

extern "C" {

CK_RV C_Initialize(CK_VOID_PTR args) {
    return guard([&] { return gostcsp::p11::initialize(args); });
}
CK_RV C_Finalize(CK_VOID_PTR reserved) {
    return guard([&] { return gostcsp::p11::finalize(reserved); });
}
CK_RV C_GetInfo(CK_INFO_PTR info) {
    GOSTCSP_P11_CALL(module().get_info(info));
}
CK_RV C_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
    GOSTCSP_P11_CALL(module().get_slot_list(present, list, count));
}
CK_RV C_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info) {
    GOSTCSP_P11_CALL(module().get_slot_info(slot, info));
}
CK_RV C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
    GOSTCSP_P11_CALL(module().get_token_info(slot, info));
}
CK_RV C_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
    GOSTCSP_P11_CALL(module().get_mechanism_list(slot, list, count));
}
CK_RV C_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
    GOSTCSP_P11_CALL(module().get_mechanism_info(slot, type, info));
}
CK_RV C_InitToken(CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label) {
    GOSTCSP_P11_CALL(module().init_token(slot, pin, len, label));
}
CK_RV C_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
    GOSTCSP_P11_CALL(module().init_pin(h, pin, len));
}
CK_RV C_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
               CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len) {
    GOSTCSP_P11_CALL(module().set_pin(h, old_pin, old_len, new_pin, new_len));
}
CK_RV C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR /*app*/, CK_NOTIFY /*notify*/,
                    CK_SESSION_HANDLE_PTR out) {
    GOSTCSP_P11_CALL(module().open_session(slot, flags, out));
}
CK_RV C_CloseSession(CK_SESSION_HANDLE h) {
    GOSTCSP_P11_CALL(module().close_session(h));
}
CK_RV C_CloseAllSessions(CK_SLOT_ID slot) {
    GOSTCSP_P11_CALL(module().close_all_sessions(slot));
}
CK_RV C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info) {
    GOSTCSP_P11_CALL(module().get_session_info(h, info));
}
CK_RV C_GetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG_PTR) {
    GOSTCSP_P11_UNSUPPORTED_SESSION(h);
}
CK_RV C_SetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_OBJECT_HANDLE,
                          CK_OBJECT_HANDLE) {
    GOSTCSP_P11_UNSUPPORTED_SESSION(h);
}
CK_RV C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
    GOSTCSP_P11_CALL(module().login(h, user, pin, len));
}
CK_RV C_Logout(CK_SESSION_HANDLE h) {
    GOSTCSP_P11_CALL(module().logout(h));
}
CK_RV C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
                     CK_OBJECT_HANDLE_PTR out) {
    GOSTCSP_P11_CALL(module().create_object(h, tmpl, count, out));
}
CK_RV C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
                   CK_OBJECT_HANDLE_PTR out) {
    GOSTCSP_P11_CALL(module().copy_object(h, obj, tmpl, count, out));
}
CK_RV C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj) {
    GOSTCSP_P11_CALL(module().destroy_object(h, obj));
}
CK_RV C_GetObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG_PTR size) {
    GOSTCSP_P11_CALL(module().get_object_size(h, obj, size));
}
CK_RV C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
                          CK_ULONG count) {
    return guard([&] { return module().get_attribute_value(h, obj, tmpl, count); });
}
CK_RV C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
                          CK_ULONG count) {
    GOSTCSP_P11_CALL(module().set_attribute_value(h, obj, tmpl, count));
}
CK_RV C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count) {
    GOSTCSP_P11_CALL(module().find_objects_init(h, tmpl, count));
}
CK_RV C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max,
                    CK_ULONG_PTR count) {
    GOSTCSP_P11_CALL(module().find_objects(h, out, max, count));
}
CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE h) {
    GOSTCSP_P11_CALL(module().find_objects_final(h));
}
CK_RV C_EncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) {
    GOSTCSP_P11_CALL(module().crypt_init(h, mech, key, true));
}
CK_RV C_Encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG len, CK_BYTE_PTR out,
                CK_ULONG_PTR out_len) {
    GOSTCSP_P11_CALL(module().crypt(h, in, len, out, out_len, true));
}
CK_RV C_EncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG len, CK_BYTE_PTR out,
                      CK_ULONG_PTR out_len) {
    GOSTCSP_P11_CALL(module().crypt_update(h, in, len, out, out_len, true));
}
CK_RV C_EncryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
    GOSTCSP_P11_CALL(module().crypt_final(h, out, out_len, true));
}
CK_RV C_DecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) {
    GOSTCSP_P11_CALL(module().crypt_init(h, mech, key, false));
}
CK_RV C_Decrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG len, CK_BYTE_PTR out,
                CK_ULONG_PTR out_len) {
    GOSTCSP_P11_CALL(module().crypt(h, in, len, out, out_len, false));
}
CK_RV C_DecryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG len, CK_BYTE_PTR out,
                      CK_ULONG_PTR out_len) {
    GOSTCSP_P11_CALL(module().crypt_update(h, in, len, out, out_len, false));
}
CK_RV C_DecryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
    GOSTCSP_P11_CALL(module().crypt_final(h, out, out_len, false));
}
CK_RV C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech) {
    GOSTCSP_P11_CALL(module().digest_init(h, mech));
}
CK_RV C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
               CK_ULONG_PTR out_len) {
    GOSTCSP_P11_CALL(module().digest(h, data, len, out, out_len));
}
CK_RV C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len) {
    GOSTCSP_P11_CALL(module().digest_update(h, data, len));
}
CK_RV C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE) {
    GOSTCSP_P11_UNSUPPORTED_SESSION(h);
}
CK_RV C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
    GOSTCSP_P11_CALL(module().digest_final(h, out, out_len));
}
CK_RV C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) {
    GOSTCSP_P11_CALL(module().sign_init(h, mech, key));
}
CK_RV C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
             CK_ULONG_PTR sig_len) {
    GOSTCSP_P11_CALL(module().sign(h, data, len, sig, sig_len));
}
CK_RV C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len) {
    GOSTCSP_P11_CALL(module().sign_update(h, data, len));
}
CK_RV C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len) {
    GOSTCSP_P11_CALL(module().sign_final(h, sig, sig_len));
}
CK_RV C_SignRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
    GOSTCSP_P11_UNSUPPORTED_SESSION(h);
}
CK_RV C_SignRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
    GOSTCSP_P11_UNSUPPORTED_SESSION(h);
}
CK_RV C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) {
    GOSTCSP_P11_CALL(module().verify_init(h, mech, key));
}
CK_RV C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
               CK_ULONG sig_len) {
    GOSTCSP_P11_CALL(module().verify(h, data, len, sig, sig_len));
}
CK_RV C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len) {
    GOSTCSP_P11_CALL(module().verify_update(h, data, len));
}
CK_RV C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len) {
    GOSTCSP_P11_CALL(module().verify_final(h, sig, sig_len));
}
CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
    GOSTCSP_P11_UNSUPPORTED_SESSION(h);
}
CK_RV C_VerifyRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
    GOSTCSP_P11_UNSUPPORTED_SESSION(h);
}
CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
    GOSTCSP_P11_UNSUPPORTED_SESSION(h);
}
CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
    GOSTCSP_P11_UNSUPPORTED_SESSION(h);
}
CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
    GOSTCSP_P11_UNSUPPORTED_SESSION(h);
}
CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
    GOSTCSP_P11_UNSUPPORTED_SESSION(h);
}
CK_RV C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR tmpl,
                    CK_ULONG count, CK_OBJECT_HANDLE_PTR out) {
    GOSTCSP_P11_CALL(module().generate_key(h, mech, tmpl, count, out));
}
CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR pub_tmpl,
                        CK_ULONG pub_count, CK_ATTRIBUTE_PTR priv_tmpl, CK_ULONG priv_count,
                        CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv) {
    GOSTCSP_P11_CALL(
        module().generate_key_pair(h, mech, pub_tmpl, pub_count, priv_tmpl, priv_count, pub, priv));
}
CK_RV C_WrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE wrapping,
                CK_OBJECT_HANDLE key, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
    GOSTCSP_P11_CALL(module().wrap_key(h, mech, wrapping, key, out, out_len));
}
CK_RV C_UnwrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE unwrapping,
                  CK_BYTE_PTR wrapped, CK_ULONG wrapped_len, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
                  CK_OBJECT_HANDLE_PTR out) {
    GOSTCSP_P11_CALL(
        module().unwrap_key(h, mech, unwrapping, wrapped, wrapped_len, tmpl, count, out));
}
CK_RV C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE base,
                  CK_ATTRIBUTE_PTR tmpl, CK_ULONG count, CK_OBJECT_HANDLE_PTR out) {
    GOSTCSP_P11_CALL(module().derive_key(h, mech, base, tmpl, count, out));
}
CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len) {
    GOSTCSP_P11_CALL(module().seed_random(h, seed, len));
}
CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len) {
    GOSTCSP_P11_CALL(module().generate_random(h, out, len));
}
// Legacy parallel-function calls (v2.40 §5.16): always CKR_FUNCTION_NOT_PARALLEL.
CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE h) {
    return guard([&]() -> CK_RV {
        module().check_session(h);
        return CKR_FUNCTION_NOT_PARALLEL;
    });
}
CK_RV C_CancelFunction(CK_SESSION_HANDLE h) {
    return guard([&]() -> CK_RV {
        module().check_session(h);
        return CKR_FUNCTION_NOT_PARALLEL;
    });
}
CK_RV C_WaitForSlotEvent(CK_FLAGS /*flags*/, CK_SLOT_ID_PTR /*slot*/, CK_VOID_PTR reserved) {
    return guard([&]() -> CK_RV {
        module();
        gostcsp::p11::check(reserved == nullptr, CKR_ARGUMENTS_BAD);
        return CKR_FUNCTION_NOT_SUPPORTED;
    });
}

}  // extern "C"

namespace {

CK_RV get_function_list(CK_FUNCTION_LIST_PTR_PTR list);

CK_FUNCTION_LIST function_list = {
    {2, 40},
    C_Initialize,
    C_Finalize,
    C_GetInfo,
    // Not the exported symbol: an application that also links libp11-kit (whose proxy exports
    // C_GetFunctionList too) would otherwise find p11-kit's function here.
    get_function_list,
    C_GetSlotList,
    C_GetSlotInfo,
    C_GetTokenInfo,
    C_GetMechanismList,
    C_GetMechanismInfo,
    C_InitToken,
    C_InitPIN,
    C_SetPIN,
    C_OpenSession,
    C_CloseSession,
    C_CloseAllSessions,
    C_GetSessionInfo,
    C_GetOperationState,
    C_SetOperationState,
    C_Login,
    C_Logout,
    C_CreateObject,
    C_CopyObject,
    C_DestroyObject,
    C_GetObjectSize,
    C_GetAttributeValue,
    C_SetAttributeValue,
    C_FindObjectsInit,
    C_FindObjects,
    C_FindObjectsFinal,
    C_EncryptInit,
    C_Encrypt,
    C_EncryptUpdate,
    C_EncryptFinal,
    C_DecryptInit,
    C_Decrypt,
    C_DecryptUpdate,
    C_DecryptFinal,
    C_DigestInit,
    C_Digest,
    C_DigestUpdate,
    C_DigestKey,
    C_DigestFinal,
    C_SignInit,
    C_Sign,
    C_SignUpdate,
    C_SignFinal,
    C_SignRecoverInit,
    C_SignRecover,
    C_VerifyInit,
    C_Verify,
    C_VerifyUpdate,
    C_VerifyFinal,
    C_VerifyRecoverInit,
    C_VerifyRecover,
    C_DigestEncryptUpdate,
    C_DecryptDigestUpdate,
    C_SignEncryptUpdate,
    C_DecryptVerifyUpdate,
    C_GenerateKey,
    C_GenerateKeyPair,
    C_WrapKey,
    C_UnwrapKey,
    C_DeriveKey,
    C_SeedRandom,
    C_GenerateRandom,
    C_GetFunctionStatus,
    C_CancelFunction,
    C_WaitForSlotEvent,
};

CK_UTF8CHAR interface_name[] = "PKCS 11";
GOSTCSP_CK_INTERFACE interfaces[] = {
    {interface_name, &function_list, 0},
};

CK_RV get_function_list(CK_FUNCTION_LIST_PTR_PTR list) {
    if (list == nullptr) return CKR_ARGUMENTS_BAD;
    *list = &function_list;
    return CKR_OK;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
    return get_function_list(list);
}

// PKCS#11 v3.0 §5.2: the interfaces offered — one, "PKCS 11" with the v2.40 function list.
__attribute__((visibility("default"))) CK_RV C_GetInterfaceList(GOSTCSP_CK_INTERFACE* list,
                                                                CK_ULONG_PTR count) {
    if (count == nullptr) return CKR_ARGUMENTS_BAD;
    constexpr CK_ULONG n = sizeof interfaces / sizeof interfaces[0];
    if (list == nullptr) {
        *count = n;
        return CKR_OK;
    }
    if (*count < n) {
        *count = n;
        return CKR_BUFFER_TOO_SMALL;
    }
    std::memcpy(list, interfaces, sizeof interfaces);
    *count = n;
    return CKR_OK;
}

__attribute__((visibility("default"))) CK_RV C_GetInterface(CK_UTF8CHAR_PTR name,
                                                            CK_VERSION_PTR version,
                                                            GOSTCSP_CK_INTERFACE** out,
                                                            CK_FLAGS flags) {
    if (out == nullptr) return CKR_ARGUMENTS_BAD;
    if (name != nullptr && std::strcmp(reinterpret_cast<const char*>(name),
                                       reinterpret_cast<const char*>(interface_name)) != 0)
        return CKR_ARGUMENTS_BAD;
    if (version != nullptr && (version->major != 2 || version->minor != 40))
        return CKR_ARGUMENTS_BAD;
    if ((flags & ~interfaces[0].flags) != 0) return CKR_ARGUMENTS_BAD;
    *out = &interfaces[0];
    return CKR_OK;
}

}  // extern "C"
