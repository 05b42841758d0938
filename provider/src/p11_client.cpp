// SPDX-License-Identifier: Apache-2.0
// PKCS#11 client: p11-kit module loading, TC26 capability scan, session pool, login, fork epochs.
#include "p11_client.hpp"

#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>
#include <pthread.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace gostcsp::prov {

namespace {

// Incremented in every fork child: sessions, logins and module initialisation of the parent do
// not carry over (PKCS#11 v2.40 §6.7.1), so each token and module compares its epoch with this.
std::atomic<std::uint64_t> g_fork_epoch{1};
std::once_flag g_atfork_once;

void on_fork_child() {
    g_fork_epoch.fetch_add(1);
}

void install_atfork() {
    std::call_once(g_atfork_once, [] { (void)pthread_atfork(nullptr, nullptr, &on_fork_child); });
}

std::string trimmed(const CK_UTF8CHAR* p, std::size_t n) {
    std::string s(reinterpret_cast<const char*>(p), n);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
}

// One C_Initialize per module per process epoch (the fork child must initialise again).
struct ModuleEpochs {
    std::mutex mu;
    std::vector<std::pair<CK_FUNCTION_LIST*, std::uint64_t>> rows;
};
ModuleEpochs& module_epochs() {
    static auto* m = new ModuleEpochs;  // lives as long as the process (-z nodelete)
    return *m;
}

CK_RV initialise_in_this_epoch(CK_FUNCTION_LIST* fl) {
    auto& me = module_epochs();
    std::lock_guard<std::mutex> g(me.mu);
    const std::uint64_t now = g_fork_epoch.load();
    for (auto& r : me.rows) {
        if (r.first != fl) continue;
        if (r.second == now) return CKR_OK;
        CK_C_INITIALIZE_ARGS args{};
        args.flags = CKF_OS_LOCKING_OK;
        CK_RV rv = fl->C_Initialize(&args);
        if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) rv = CKR_OK;
        if (rv == CKR_OK) r.second = now;
        return rv;
    }
    me.rows.emplace_back(fl, now);  // initialised by the loader in this epoch
    return CKR_OK;
}

TokenMechanisms scan_mechanisms(CK_FUNCTION_LIST* fl, CK_SLOT_ID slot) {
    TokenMechanisms m;
    CK_ULONG n = 0;
    if (fl->C_GetMechanismList(slot, nullptr, &n) != CKR_OK || n == 0) return m;
    std::vector<CK_MECHANISM_TYPE> list(n);
    if (fl->C_GetMechanismList(slot, list.data(), &n) != CKR_OK) return m;
    for (CK_ULONG i = 0; i < n; ++i) {
        switch (list[i]) {
            case CKM_GOSTR3410:
                m.raw256 = true;
                break;
            case ckm_gostr3410_512:
                m.raw512 = true;
                break;
            case ckm_gostr3410_with_3411_12_256:
                m.hash256 = true;
                break;
            case ckm_gostr3410_with_3411_12_512:
                m.hash512 = true;
                break;
            case ckm_gostr3410_12_derive:
                m.derive = true;
                break;
            default:
                break;
        }
    }
    return m;
}

}  // namespace

void PinBuffer::assign(const char* data, std::size_t len) {
    clear();
    value_.reserve(len < 256 ? 256 : len);  // no reallocation leaving copies behind
    value_.assign(data, len);
}

void PinBuffer::clear() noexcept {
    if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
    value_.clear();
}

bool read_pin_file(const std::string& source, PinBuffer& out) {
    std::string path = source;
    if (path.rfind("file:", 0) == 0) path = path.substr(5);
    FILE* f = std::fopen(path.c_str(), "re");
    if (f == nullptr) return false;
    char buf[512];
    const bool ok = std::fgets(buf, sizeof buf, f) != nullptr;
    std::fclose(f);
    if (!ok) {
        OPENSSL_cleanse(buf, sizeof buf);
        return false;
    }
    std::size_t n = std::strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) --n;
    out.assign(buf, n);
    OPENSSL_cleanse(buf, sizeof buf);
    return true;
}

// --- Token ---

Token::Token(CK_FUNCTION_LIST* fl, CK_SLOT_ID slot, const CK_TOKEN_INFO& info, std::string module,
             TokenMechanisms mechs) noexcept
    : fl_(fl),
      slot_(slot),
      info_(info),
      module_(std::move(module)),
      mechs_(mechs),
      epoch_(g_fork_epoch.load()) {}

Token::~Token() {
    // Idle sessions are left to the module's own clean-up at exit (see P11Client::unload_locked:
    // tokens go away from OPENSSL_cleanup, when some modules can no longer be called).
    pin_.clear();
}

std::string Token::label() const {
    return trimmed(info_.label, sizeof info_.label);
}

void Token::forget_after_fork() noexcept {
    idle_.clear();
    logged_in_.store(false);
    generation_.fetch_add(1);
}

CK_RV Token::acquire(CK_SESSION_HANDLE& out) {
    std::unique_lock<std::mutex> g(mu_);
    const std::uint64_t now = g_fork_epoch.load();
    if (epoch_ != now) {
        forget_after_fork();
        epoch_ = now;
        g.unlock();
        const CK_RV rv = initialise_in_this_epoch(fl_);
        if (rv != CKR_OK) return rv;
        g.lock();
    }
    if (!idle_.empty()) {
        out = idle_.back();
        idle_.pop_back();
        return CKR_OK;
    }
    g.unlock();
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    const CK_RV rv = fl_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &h);
    if (rv != CKR_OK) return rv;
    out = h;
    return CKR_OK;
}

void Token::release(CK_SESSION_HANDLE h, bool broken) noexcept {
    std::unique_lock<std::mutex> g(mu_);
    if (epoch_ != g_fork_epoch.load()) return;  // a parent's session seen from a child
    if (broken) {
        g.unlock();
        (void)fl_->C_CloseSession(h);
        return;
    }
    try {
        if (idle_.size() < 64) {
            idle_.push_back(h);
            return;
        }
    } catch (...) {
    }
    g.unlock();
    (void)fl_->C_CloseSession(h);
}

CK_RV Token::login(CK_SESSION_HANDLE h, const char* pin, std::size_t len) {
    CK_RV rv = fl_->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin)),
                            static_cast<CK_ULONG>(pin == nullptr ? 0 : len));
    if (rv == CKR_USER_ALREADY_LOGGED_IN) rv = CKR_OK;
    if (rv != CKR_OK) return rv;
    std::lock_guard<std::mutex> g(mu_);
    if (pin != nullptr) {
        pin_.assign(pin, len);
        have_pin_ = true;
    } else {
        have_pin_ = true;  // protected path: log in again the same way
        pin_.clear();
    }
    logged_in_.store(true);
    return CKR_OK;
}

CK_RV Token::relogin(CK_SESSION_HANDLE h) {
    std::string pin;
    bool protected_path = false;
    {
        std::lock_guard<std::mutex> g(mu_);
        if (!have_pin_) return CKR_USER_NOT_LOGGED_IN;
        protected_path = pin_.empty();
        pin.reserve(256);
        pin = pin_.value();
    }
    const CK_RV rv = protected_path ? login(h, nullptr, 0) : login(h, pin.data(), pin.size());
    OPENSSL_cleanse(pin.data(), pin.size());
    return rv;
}

bool Token::has_pin() const {
    std::lock_guard<std::mutex> g(mu_);
    return have_pin_;
}

CK_FLAGS Token::current_flags() const {
    CK_TOKEN_INFO info{};
    if (fl_->C_GetTokenInfo(slot_, &info) != CKR_OK) return info_.flags;
    return info.flags;
}

// --- P11Client ---

P11Client::~P11Client() {
    std::lock_guard<std::mutex> g(mu_);
    unload_locked();
    if (!configured_pin.empty()) OPENSSL_cleanse(configured_pin.data(), configured_pin.size());
}

void P11Client::unload_locked() noexcept {
    tokens_.clear();
    loaded_paths_.clear();
    // Modules are deliberately not finalised: the provider is torn down from OPENSSL_cleanup at
    // exit, when modules that use OpenSSL themselves (SoftHSM2 crashes here) can no longer run
    // C_Finalize safely; the process is ending and the token keeps its state on its side.
    // pkcs11-provider makes the same call for such modules.
    registered_ = nullptr;
    single_ = nullptr;
}

void P11Client::scan_module_locked(CK_FUNCTION_LIST* fl, const std::string& name) {
    CK_ULONG n = 0;
    if (fl->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK) {
        skipped_.push_back({name, "C_GetSlotList failed"});
        return;
    }
    std::vector<CK_SLOT_ID> slots(n);
    if (n > 0 && fl->C_GetSlotList(CK_TRUE, slots.data(), &n) != CKR_OK) {
        skipped_.push_back({name, "C_GetSlotList failed"});
        return;
    }
    slots.resize(n);
    bool any = false;
    for (CK_SLOT_ID slot : slots) {
        CK_TOKEN_INFO info{};
        if (fl->C_GetTokenInfo(slot, &info) != CKR_OK) continue;
        const TokenMechanisms m = scan_mechanisms(fl, slot);
        if (!m.any()) continue;
        tokens_.push_back(std::make_shared<Token>(fl, slot, info, name, m));
        any = true;
    }
    if (!any)
        skipped_.push_back(
            {name, slots.empty() ? "no token present" : "no GOST R 34.10-2012 (TC26) mechanisms"});
}

CK_RV P11Client::load_path_locked(const std::string& path, std::string& what,
                                  CK_FUNCTION_LIST*& out) {
    // dlopen directly (not p11_kit_module_load): any vendor module, and p11-kit-proxy.so
    // itself, which p11-kit refuses to load as a registered module.
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    auto* get_list = lib != nullptr
                         ? reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"))
                         : nullptr;
    out = nullptr;
    if (get_list == nullptr || get_list(&out) != CKR_OK || out == nullptr) {
        const char* err = dlerror();
        what = "loading " + path + ": " + (err != nullptr ? err : "no C_GetFunctionList");
        out = nullptr;
        return CKR_GENERAL_ERROR;
    }
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = out->C_Initialize(&args);
    if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) rv = CKR_OK;  // the application uses it too
    if (rv != CKR_OK) {
        what = "initialising " + path;
        out = nullptr;
        return rv;
    }
    (void)initialise_in_this_epoch(out);
    loaded_paths_.push_back(path);
    scan_module_locked(out, path);
    return CKR_OK;
}

bool P11Client::is_loaded(const std::string& path) const {
    std::lock_guard<std::mutex> g(mu_);
    for (const auto& p : loaded_paths_)
        if (p == path) return true;
    return false;
}

std::string P11Client::loaded_description() const {
    std::lock_guard<std::mutex> g(mu_);
    std::string out;
    for (const auto& p : loaded_paths_) out += (out.empty() ? "" : ", ") + p;
    return out.empty() ? "none" : out;
}

CK_RV P11Client::load_uri_module(const std::string& path, std::string& what) {
    std::lock_guard<std::mutex> g(mu_);
    for (const auto& p : loaded_paths_)
        if (p == path) return CKR_OK;
    CK_FUNCTION_LIST* fl = nullptr;
    ERR_set_mark();  // the module's own OpenSSL errors are not gostcsp's (ensure_loaded)
    const CK_RV rv = load_path_locked(path, what, fl);
    ERR_pop_to_mark();
    return rv;
}

CK_RV P11Client::ensure_loaded(std::string& what) {
    // Modules that use OpenSSL themselves (SoftHSM2, and the engines it loads such as rdrand)
    // leave their own errors on this thread's stack while loading: they are not gostcsp's, so
    // they are dropped; gostcsp reports its own error, naming the module, if loading fails.
    ERR_set_mark();
    const CK_RV rv = ensure_loaded_marked(what);
    ERR_pop_to_mark();
    return rv;
}

CK_RV P11Client::ensure_loaded_marked(std::string& what) {
    std::lock_guard<std::mutex> g(mu_);
    install_atfork();
    if (loaded_) return CKR_OK;  // a fork child re-initialises per module in Token::acquire
    pid_ = getpid();
    skipped_.clear();
    loaded_paths_.clear();
    if (!configured_module.empty()) {
        const CK_RV rv = load_path_locked(configured_module, what, single_);
        if (rv != CKR_OK) return rv;
    } else {
        registered_ = p11_kit_modules_load_and_initialize(0);
        if (registered_ == nullptr) {
            what = std::string("loading the p11-kit registered modules: ") +
                   (p11_kit_message() ? p11_kit_message() : "");
            return CKR_GENERAL_ERROR;
        }
        for (CK_FUNCTION_LIST** m = registered_; *m != nullptr; ++m) {
            if (char* file = p11_kit_module_get_filename(*m)) {
                loaded_paths_.emplace_back(file);
                std::free(file);
            }
            char* name = p11_kit_module_get_name(*m);
            (void)initialise_in_this_epoch(*m);
            scan_module_locked(*m, name != nullptr ? name : "(unnamed module)");
            std::free(name);
        }
    }
    loaded_ = true;
    return CKR_OK;
}

std::vector<std::shared_ptr<Token>> P11Client::tokens_matching(const P11KitUri* uri) {
    std::lock_guard<std::mutex> g(mu_);
    std::vector<std::shared_ptr<Token>> out;
    for (const auto& t : tokens_) {
        CK_INFO minfo{};
        if (t->functions()->C_GetInfo(&minfo) == CKR_OK &&
            !p11_kit_uri_match_module_info(uri, &minfo))
            continue;
        CK_TOKEN_INFO tinfo = t->info();
        if (!p11_kit_uri_match_token_info(uri, &tinfo)) continue;
        CK_SLOT_INFO sinfo{};
        if (t->functions()->C_GetSlotInfo(t->slot(), &sinfo) == CKR_OK &&
            !p11_kit_uri_match_slot_info(uri, &sinfo))
            continue;
        const CK_SLOT_ID want_slot = p11_kit_uri_get_slot_id(const_cast<P11KitUri*>(uri));
        if (want_slot != static_cast<CK_SLOT_ID>(-1) && want_slot != t->slot()) continue;
        const char* mpath = p11_kit_uri_get_module_path(uri);
        const char* mname = p11_kit_uri_get_module_name(uri);
        if ((mpath != nullptr && t->module_name() != mpath &&
             module_file_locked(t->functions()) != mpath) ||
            (mname != nullptr && t->module_name().find(mname) == std::string::npos))
            continue;
        out.push_back(t);
    }
    return out;
}

std::string P11Client::module_file_locked(CK_FUNCTION_LIST* fl) const {
    if (registered_ == nullptr) return {};
    for (CK_FUNCTION_LIST** m = registered_; *m != nullptr; ++m) {
        if (*m != fl) continue;
        char* file = p11_kit_module_get_filename(*m);
        std::string out = file != nullptr ? file : "";
        std::free(file);
        return out;
    }
    return {};
}

std::vector<SkippedModule> P11Client::skipped() const {
    std::lock_guard<std::mutex> g(mu_);
    return skipped_;
}

}  // namespace gostcsp::prov
