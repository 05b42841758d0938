// SPDX-License-Identifier: Apache-2.0
// The C++ model behind the C ABI: slots and their tokens, sessions, object handles, operations.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "gostcsp/gost3410.hpp"
#include "gostcsp/keystore/keystore.hpp"
#include "gostcsp/streebog.hpp"
#include "locking.hpp"
#include "mechanisms.hpp"
#include "p11_error.hpp"

namespace gostcsp::p11 {

// One slot: a token file in the token directory, or the spare slot for C_InitToken.
struct Slot {
    CK_SLOT_ID id = 0;
    std::filesystem::path path;
    std::shared_ptr<keystore::Token> token;  // null while the file is not initialised
    bool user_must_change = false;           // last user login used a to-be-changed PIN
    unsigned sessions = 0;
    unsigned rw_sessions = 0;
};

// The state of a symmetric operation (cipher, mode, buffered data): symmetric_ops.cpp.
struct SymContext;
struct SymContextDeleter {
    void operator()(SymContext* c) const noexcept;
};

// An active cryptographic operation of a session.
struct Operation {
    const MechInfo* mech = nullptr;
    CK_SLOT_ID slot = 0;
    keystore::ObjectHandle key = keystore::invalid_handle;
    std::shared_ptr<keystore::Token> token;
    std::unique_ptr<core::Streebog> hash;                // digest, hash-and-sign
    std::unique_ptr<core::HmacStreebog> hmac;            // HMAC
    std::optional<core::PublicKey> public_key;           // verify
    std::unique_ptr<SymContext, SymContextDeleter> sym;  // encrypt/decrypt, cipher MACs
    unsigned key_bits = 0;
    bool multipart = false;  // an *Update was called
};

struct FindState {
    std::vector<CK_OBJECT_HANDLE> results;
    std::size_t next = 0;
};

struct Session {
    Session(const Locking& how, CK_SESSION_HANDLE h, CK_SLOT_ID s, CK_FLAGS f)
        : mutex(how), handle(h), slot(s), flags(f) {}
    Locking::Mutex mutex;  // serialises operations on this session
    CK_SESSION_HANDLE handle;
    CK_SLOT_ID slot;
    CK_FLAGS flags;
    std::optional<FindState> find;
    std::optional<Operation> digest, sign, verify, encrypt, decrypt;
    bool rw() const noexcept { return (flags & CKF_RW_SESSION) != 0; }
};

// Where an application object handle points.
struct ObjectRef {
    CK_SLOT_ID slot;
    keystore::ObjectHandle handle;
};

class Module {
  public:
    explicit Module(const CK_C_INITIALIZE_ARGS* args);
    ~Module();

    void get_info(CK_INFO* info) const;
    void get_slot_list(CK_BBOOL present, CK_SLOT_ID* list, CK_ULONG* count);
    void get_slot_info(CK_SLOT_ID slot, CK_SLOT_INFO* info);
    void get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO* info);
    void get_mechanism_list(CK_SLOT_ID slot, CK_MECHANISM_TYPE* list, CK_ULONG* count);
    void get_mechanism_info(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO* info);
    void init_token(CK_SLOT_ID slot, const CK_UTF8CHAR* pin, CK_ULONG pin_len,
                    const CK_UTF8CHAR* label);
    void init_pin(CK_SESSION_HANDLE h, const CK_UTF8CHAR* pin, CK_ULONG len);
    void set_pin(CK_SESSION_HANDLE h, const CK_UTF8CHAR* old_pin, CK_ULONG old_len,
                 const CK_UTF8CHAR* new_pin, CK_ULONG new_len);
    void open_session(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE* out);
    void close_session(CK_SESSION_HANDLE h);
    void close_all_sessions(CK_SLOT_ID slot);
    void get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO* info);
    void login(CK_SESSION_HANDLE h, CK_USER_TYPE user, const CK_UTF8CHAR* pin, CK_ULONG len);
    void logout(CK_SESSION_HANDLE h);

    void create_object(CK_SESSION_HANDLE h, CK_ATTRIBUTE* tmpl, CK_ULONG count,
                       CK_OBJECT_HANDLE* out);
    void copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE* tmpl, CK_ULONG count,
                     CK_OBJECT_HANDLE* out);
    void destroy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj);
    void get_object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG* size);
    CK_RV get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE* tmpl,
                              CK_ULONG count);
    void set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE* tmpl,
                             CK_ULONG count);
    void find_objects_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE* tmpl, CK_ULONG count);
    void find_objects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE* out, CK_ULONG max, CK_ULONG* count);
    void find_objects_final(CK_SESSION_HANDLE h);

    void digest_init(CK_SESSION_HANDLE h, const CK_MECHANISM* mech);
    void digest(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len, CK_BYTE* out,
                CK_ULONG* out_len);
    void digest_update(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len);
    void digest_final(CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG* out_len);

    void sign_init(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE key);
    void sign(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len, CK_BYTE* sig,
              CK_ULONG* sig_len);
    void sign_update(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len);
    void sign_final(CK_SESSION_HANDLE h, CK_BYTE* sig, CK_ULONG* sig_len);
    void verify_init(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE key);
    void verify(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len, const CK_BYTE* sig,
                CK_ULONG sig_len);
    void verify_update(CK_SESSION_HANDLE h, const CK_BYTE* data, CK_ULONG len);
    void verify_final(CK_SESSION_HANDLE h, const CK_BYTE* sig, CK_ULONG sig_len);

    void generate_key_pair(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_ATTRIBUTE* pub_tmpl,
                           CK_ULONG pub_count, CK_ATTRIBUTE* priv_tmpl, CK_ULONG priv_count,
                           CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv);
    void derive_key(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE base,
                    CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_OBJECT_HANDLE* out);
    void wrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE wrapping,
                  CK_OBJECT_HANDLE key, CK_BYTE* out, CK_ULONG* out_len);
    // Symmetric GOST (symmetric_ops.cpp, key_wrap_ops.cpp).
    void crypt_init(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE key,
                    bool encrypt);
    void crypt(CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG len, CK_BYTE* out,
               CK_ULONG* out_len, bool encrypt);
    void crypt_update(CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG len, CK_BYTE* out,
                      CK_ULONG* out_len, bool encrypt);
    void crypt_final(CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG* out_len, bool encrypt);
    void generate_key(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_ATTRIBUTE* tmpl,
                      CK_ULONG count, CK_OBJECT_HANDLE* out);
    void unwrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE unwrapping,
                    const CK_BYTE* wrapped, CK_ULONG wrapped_len, CK_ATTRIBUTE* tmpl,
                    CK_ULONG count, CK_OBJECT_HANDLE* out);
    void generate_random(CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG len);
    void seed_random(CK_SESSION_HANDLE h, const CK_BYTE* seed, CK_ULONG len);
    // For functions gostcsp does not implement: checks the handle, then refuses.
    void check_session(CK_SESSION_HANDLE h);

  private:
    std::shared_ptr<Session> session(CK_SESSION_HANDLE h);
    Slot& slot_locked(CK_SLOT_ID id);  // global mutex held
    void rescan_locked();
    std::shared_ptr<keystore::Token> token_of(CK_SLOT_ID id);
    CK_OBJECT_HANDLE handle_for_locked(CK_SLOT_ID slot, keystore::ObjectHandle h);
    ObjectRef resolve(const Session& s, CK_OBJECT_HANDLE obj);
    keystore::Object read_object(const Session& s, CK_OBJECT_HANDLE obj, ObjectRef* ref = nullptr);
    std::shared_ptr<const keystore::Object> view_object(const Session& s, CK_OBJECT_HANDLE obj,
                                                        ObjectRef* ref = nullptr);
    AttrMap object_attrs(keystore::Token& token, const keystore::Object& o);
    CK_STATE state_of(const Session& s);
    bool so_logged_in(CK_SLOT_ID slot);
    bool user_logged_in(CK_SLOT_ID slot);
    void check_write(const Session& s, bool token_object);
    CK_OBJECT_HANDLE store_new(const Session& s, const keystore::Result<keystore::ObjectHandle>& r);
    void forget_session_objects_locked(const Session& s);
    void init_operation(Session& s, Operation& op, const CK_MECHANISM* mech, CK_OBJECT_HANDLE key,
                        bool for_sign);
    void finish_sign(Operation& op, const std::uint8_t* data, std::size_t len,
                     std::span<std::uint8_t> out);
    // Hooks of the symmetric half into the shared paths.
    keystore::Object read_key(const Session& s, CK_OBJECT_HANDLE key, ObjectRef* ref,
                              CK_RV invalid_rv = CKR_KEY_HANDLE_INVALID);
    void init_cipher_mac(Session& s, Operation& op, const MechInfo* m, const CK_MECHANISM* mech,
                         CK_OBJECT_HANDLE key, bool for_sign);
    void wrap_symmetric(Session& s, const CK_MECHANISM* mech, CK_OBJECT_HANDLE wrapping,
                        const keystore::Object& target, ObjectRef target_ref, CK_BYTE* out,
                        CK_ULONG* out_len);
    CK_OBJECT_HANDLE derive_kdf_tree(Session& s, const CK_MECHANISM* mech, CK_OBJECT_HANDLE base,
                                     CK_ATTRIBUTE* tmpl, CK_ULONG count);
    CK_OBJECT_HANDLE store_secret(const Session& s, AttrMap attrs, const Bytes& value,
                                  keystore::SecretOrigin origin, bool local);

    Locking locking_;
    keystore::Config config_;
    mutable Locking::Mutex mutex_;  // guards everything below
    std::vector<Slot> slots_;
    std::unordered_map<CK_SESSION_HANDLE, std::shared_ptr<Session>> sessions_;
    CK_SESSION_HANDLE next_session_ = 1;
    std::unordered_map<CK_OBJECT_HANDLE, ObjectRef> objects_;
    std::map<std::pair<CK_SLOT_ID, keystore::ObjectHandle>, CK_OBJECT_HANDLE> object_ids_;
    std::unordered_map<CK_OBJECT_HANDLE, CK_SESSION_HANDLE> session_object_owner_;
    CK_OBJECT_HANDLE next_object_ = 1;
};

}  // namespace gostcsp::p11
