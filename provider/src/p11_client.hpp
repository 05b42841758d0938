// SPDX-License-Identifier: Apache-2.0
// The provider's PKCS#11 client: modules (p11-kit's registry or a configured path), tokens with
// TC26 mechanisms, pooled sessions, one login per token per process, fork-safe re-initialisation.
#pragma once

#include <p11-kit/pkcs11.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

typedef struct p11_kit_uri P11KitUri;

namespace gostcsp::prov {

struct ProvCtx;

// TC26 mechanism numbers (p11-kit's pkcs11x.h spells some of them differently; these follow the
// TC26 specification as listed in design.md).
inline constexpr CK_KEY_TYPE ckk_gostr3410_512 = 0xD4321003UL;
inline constexpr CK_MECHANISM_TYPE ckm_gostr3410_512 = 0xD4321006UL;
inline constexpr CK_MECHANISM_TYPE ckm_gostr3410_12_derive = 0xD4321007UL;
inline constexpr CK_MECHANISM_TYPE ckm_gostr3410_with_3411_12_256 = 0xD4321008UL;
inline constexpr CK_MECHANISM_TYPE ckm_gostr3410_with_3411_12_512 = 0xD4321009UL;

// Which of the GOST mechanisms a token offers (from C_GetMechanismList).
struct TokenMechanisms {
    bool raw256 = false, raw512 = false;    // CKM_GOSTR3410, CKM_GOSTR3410_512
    bool hash256 = false, hash512 = false;  // CKM_GOSTR3410_WITH_GOSTR3411_12_256/_512
    bool derive = false;                    // CKM_GOSTR3410_12_DERIVE
    bool any() const noexcept { return raw256 || raw512 || hash256 || hash512; }
};

// A PIN kept in memory only as long as the token it unlocks (wiped on destruction).
class PinBuffer {
  public:
    PinBuffer() = default;
    PinBuffer(const PinBuffer&) = delete;
    PinBuffer& operator=(const PinBuffer&) = delete;
    ~PinBuffer() { clear(); }
    void assign(const char* data, std::size_t len);
    void clear() noexcept;
    bool empty() const noexcept { return value_.empty(); }
    const std::string& value() const noexcept { return value_; }

  private:
    std::string value_;
};

// One token in one slot of one module. Shared by every key loaded from it.
class Token {
  public:
    Token(CK_FUNCTION_LIST* fl, CK_SLOT_ID slot, const CK_TOKEN_INFO& info, std::string module,
          TokenMechanisms mechs) noexcept;
    ~Token();
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;

    CK_FUNCTION_LIST* functions() const noexcept { return fl_; }
    CK_SLOT_ID slot() const noexcept { return slot_; }
    const CK_TOKEN_INFO& info() const noexcept { return info_; }
    const std::string& module_name() const noexcept { return module_; }
    const TokenMechanisms& mechanisms() const noexcept { return mechs_; }
    std::string label() const;  // trimmed CKA_LABEL of the token
    // Bumped whenever handles may have gone stale (fork child, session loss); keys re-find their
    // objects when it changes.
    std::uint64_t generation() const noexcept { return generation_.load(); }

    // A pooled session (opened on demand, returned on release; closed if it broke).
    CK_RV acquire(CK_SESSION_HANDLE& out);
    void release(CK_SESSION_HANDLE h, bool broken) noexcept;

    // Logs the user in with `pin` (nullptr for a protected authentication path) and remembers
    // the PIN for re-login. CKR_USER_ALREADY_LOGGED_IN counts as success.
    CK_RV login(CK_SESSION_HANDLE h, const char* pin, std::size_t len);
    // Logs in again with the remembered PIN (the token logged out, or a fork child).
    CK_RV relogin(CK_SESSION_HANDLE h);
    bool has_pin() const;
    bool logged_in() const noexcept { return logged_in_.load(); }
    // Fresh token flags (PIN counters, locked, to-be-changed).
    CK_FLAGS current_flags() const;

    // The parent's sessions and handles are not ours after fork(): forget them (without closing
    // them: they belong to the parent).
    void forget_after_fork() noexcept;

  private:
    CK_FUNCTION_LIST* fl_;
    CK_SLOT_ID slot_;
    CK_TOKEN_INFO info_;
    std::string module_;
    TokenMechanisms mechs_;
    mutable std::mutex mu_;
    std::vector<CK_SESSION_HANDLE> idle_;
    PinBuffer pin_;
    bool have_pin_ = false;
    std::atomic<bool> logged_in_{false};
    std::atomic<std::uint64_t> generation_{1};
    std::uint64_t epoch_;  // the fork epoch whose sessions idle_ holds
};

// A pooled session held for the duration of one operation.
class SessionLease {
  public:
    SessionLease() = default;
    SessionLease(std::shared_ptr<Token> t, CK_SESSION_HANDLE h) noexcept
        : token_(std::move(t)), h_(h) {}
    SessionLease(SessionLease&& o) noexcept : token_(std::move(o.token_)), h_(o.h_) {
        o.h_ = CK_INVALID_HANDLE;
    }
    SessionLease& operator=(SessionLease&& o) noexcept {
        if (this != &o) {
            reset();
            token_ = std::move(o.token_);
            h_ = o.h_;
            broken_ = o.broken_;
            o.h_ = CK_INVALID_HANDLE;
        }
        return *this;
    }
    ~SessionLease() { reset(); }
    CK_SESSION_HANDLE get() const noexcept { return h_; }
    void mark_broken() noexcept { broken_ = true; }
    void reset() noexcept {
        if (token_ && h_ != CK_INVALID_HANDLE) token_->release(h_, broken_);
        h_ = CK_INVALID_HANDLE;
    }

  private:
    std::shared_ptr<Token> token_;
    CK_SESSION_HANDLE h_ = CK_INVALID_HANDLE;
    bool broken_ = false;
};

// A module that was looked at and left out, with the reason (shown when nothing matched).
struct SkippedModule {
    std::string name;
    std::string reason;
};

// All modules and tokens of one provider instance. Loaded lazily on the first pkcs11: URI.
class P11Client {
  public:
    P11Client() = default;
    ~P11Client();
    P11Client(const P11Client&) = delete;
    P11Client& operator=(const P11Client&) = delete;

    // Provider configuration (openssl.cnf): a module path instead of p11-kit's registry, and a
    // PIN (or a file holding it) used when the URI carries none.
    std::string configured_module;
    std::string configured_pin;
    std::string configured_pin_file;

    // Loads and initialises the modules once per process (again in a fork child). Returns
    // CKR_OK or the failing CK_RV; `what` names the step for the error message.
    // pkcs11-allow-uri-module = yes: a URI's module-path may load that module (RFC 7512 §2.3);
    // off by default, so a URI from a file cannot make the application load code.
    bool allow_uri_modules = false;

    CK_RV ensure_loaded(std::string& what);
    // Whether `path` is one of the loaded modules (the configured one or a p11-kit registered
    // module's file), what is loaded (for messages), and loading a URI-named module.
    bool is_loaded(const std::string& path) const;
    std::string loaded_description() const;
    CK_RV load_uri_module(const std::string& path, std::string& what);
    // Tokens that match the URI's module and token attributes.
    std::vector<std::shared_ptr<Token>> tokens_matching(const P11KitUri* uri);
    std::vector<SkippedModule> skipped() const;

  private:
    void scan_module_locked(CK_FUNCTION_LIST* fl, const std::string& name);
    void unload_locked() noexcept;
    CK_RV ensure_loaded_marked(std::string& what);
    CK_RV load_path_locked(const std::string& path, std::string& what, CK_FUNCTION_LIST*& out);
    std::string module_file_locked(CK_FUNCTION_LIST* fl) const;

    mutable std::mutex mu_;
    bool loaded_ = false;
    pid_t pid_ = 0;
    CK_FUNCTION_LIST** registered_ = nullptr;  // p11-kit's list (nullptr with a configured path)
    CK_FUNCTION_LIST* single_ = nullptr;       // the configured module
    std::vector<std::shared_ptr<Token>> tokens_;
    std::vector<SkippedModule> skipped_;
    std::vector<std::string> loaded_paths_;
};

// Reads the first line of a PIN file (pin-source=file:... or a plain path). False if unreadable.
bool read_pin_file(const std::string& source, PinBuffer& out);

}  // namespace gostcsp::prov
