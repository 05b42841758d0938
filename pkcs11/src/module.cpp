// SPDX-License-Identifier: Apache-2.0
// Slots, tokens, sessions and login states of the PKCS#11 model (PKCS#11 v2.40 §5.4–5.6).
#include "module.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "attributes.hpp"
#include "object_codec.hpp"
#include "rv_map.hpp"

namespace gostcsp::p11 {
namespace {

constexpr CK_VERSION library_version{0, 1};

void pad_copy(CK_UTF8CHAR* dst, std::size_t n, std::string_view src) {
    std::memset(dst, ' ', n);
    std::memcpy(dst, src.data(), std::min(n, src.size()));
}

std::string_view pin_view(const CK_UTF8CHAR* pin, CK_ULONG len) {
    check(pin != nullptr || len == 0, CKR_ARGUMENTS_BAD);
    if (pin == nullptr) fail(CKR_ARGUMENTS_BAD);  // no protected authentication path
    return {reinterpret_cast<const char*>(pin), static_cast<std::size_t>(len)};
}

keystore::Config load_config_or_fail() {
    auto r = keystore::load_config();
    if (!r.ok()) fail(CKR_GENERAL_ERROR);
    return std::move(r).value();
}

}  // namespace

Module::Module(const CK_C_INITIALIZE_ARGS* args)
    : locking_(args), config_(load_config_or_fail()), mutex_(locking_) {
    Guard g(mutex_);
    rescan_locked();
}

Module::~Module() = default;

void Module::rescan_locked() {
    auto files = keystore::list_token_files(config_);
    if (files.ok()) {
        for (const auto& p : files.value()) {
            bool known = std::any_of(slots_.begin(), slots_.end(),
                                     [&](const Slot& s) { return s.path == p; });
            if (known) continue;
            Slot s;
            s.id = slots_.size();
            s.path = p;
            auto t = keystore::Token::open(config_, p);
            if (t.ok()) s.token = std::shared_ptr<keystore::Token>(std::move(t).value());
            slots_.push_back(std::move(s));
        }
    }
    // Exactly one spare slot whose token is not initialised, for C_InitToken.
    bool has_spare = std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) {
        if (!s.token) return true;
        auto info = s.token->info();
        return info.ok() && !info->initialized;
    });
    if (!has_spare) {
        auto p = keystore::new_token_path(config_);
        if (p.ok()) {
            Slot s;
            s.id = slots_.size();
            s.path = p.value();
            slots_.push_back(std::move(s));
        }
    }
}

Slot& Module::slot_locked(CK_SLOT_ID id) {
    check(id < slots_.size(), CKR_SLOT_ID_INVALID);
    return slots_[id];
}

std::shared_ptr<keystore::Token> Module::token_of(CK_SLOT_ID id) {
    Guard g(mutex_);
    return slot_locked(id).token;
}

void Module::get_info(CK_INFO* info) const {
    check(info != nullptr, CKR_ARGUMENTS_BAD);
    std::memset(info, 0, sizeof *info);
    info->cryptokiVersion = {2, 40};
    pad_copy(info->manufacturerID, sizeof info->manufacturerID, "gostcsp");
    info->flags = 0;
    pad_copy(info->libraryDescription, sizeof info->libraryDescription,
             "gostcsp GOST R 34.10-2012 token");
    info->libraryVersion = library_version;
}

void Module::get_slot_list(CK_BBOOL /*present: every slot holds a token*/, CK_SLOT_ID* list,
                           CK_ULONG* count) {
    check(count != nullptr, CKR_ARGUMENTS_BAD);
    Guard g(mutex_);
    if (list == nullptr) rescan_locked();  // the list may change only on a length query
    CK_ULONG n = slots_.size();
    if (list == nullptr) {
        *count = n;
        return;
    }
    if (*count < n) {
        *count = n;
        fail(CKR_BUFFER_TOO_SMALL);
    }
    for (CK_ULONG i = 0; i < n; ++i) list[i] = slots_[i].id;
    *count = n;
}

void Module::get_slot_info(CK_SLOT_ID id, CK_SLOT_INFO* info) {
    check(info != nullptr, CKR_ARGUMENTS_BAD);
    Guard g(mutex_);
    const Slot& s = slot_locked(id);
    std::memset(info, 0, sizeof *info);
    pad_copy(info->slotDescription, sizeof info->slotDescription,
             "gostcsp soft slot " + std::to_string(s.id));
    pad_copy(info->manufacturerID, sizeof info->manufacturerID, "gostcsp");
    info->flags = CKF_TOKEN_PRESENT;
    info->hardwareVersion = library_version;
    info->firmwareVersion = library_version;
}

void Module::get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO* info) {
    check(info != nullptr, CKR_ARGUMENTS_BAD);
    std::shared_ptr<keystore::Token> token;
    unsigned sessions = 0, rw = 0;
    {
        Guard g(mutex_);
        Slot& s = slot_locked(id);
        token = s.token;
        sessions = s.sessions;
        rw = s.rw_sessions;
    }
    std::memset(info, 0, sizeof *info);
    keystore::TokenInfo ti;
    if (token) ti = ks_value(token->info());
    pad_copy(info->label, sizeof info->label, ti.initialized ? ti.label : "");
    pad_copy(info->manufacturerID, sizeof info->manufacturerID, "gostcsp");
    pad_copy(info->model, sizeof info->model, ti.model);  // "TEST soft token" for test tokens
    pad_copy(info->serialNumber, sizeof info->serialNumber, ti.serial);
    CK_FLAGS f = CKF_RNG | CKF_LOGIN_REQUIRED;
    if (ti.initialized) f |= CKF_TOKEN_INITIALIZED;
    if (ti.user.initialized) f |= CKF_USER_PIN_INITIALIZED;
    if (ti.user.count_low()) f |= CKF_USER_PIN_COUNT_LOW;
    if (ti.user.final_try()) f |= CKF_USER_PIN_FINAL_TRY;
    if (ti.user.locked()) f |= CKF_USER_PIN_LOCKED;
    if (ti.user.initialized && ti.user.must_change) f |= CKF_USER_PIN_TO_BE_CHANGED;
    if (ti.so.count_low()) f |= CKF_SO_PIN_COUNT_LOW;
    if (ti.so.final_try()) f |= CKF_SO_PIN_FINAL_TRY;
    if (ti.so.locked()) f |= CKF_SO_PIN_LOCKED;
    if (ti.so.initialized && ti.so.must_change) f |= CKF_SO_PIN_TO_BE_CHANGED;
    info->flags = f;
    info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulSessionCount = sessions;
    info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulRwSessionCount = rw;
    info->ulMaxPinLen = token ? ti.pin_max_length : config_.pin_max_length;
    info->ulMinPinLen = token ? ti.pin_min_length : config_.pin_min_length;
    info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->hardwareVersion = library_version;
    info->firmwareVersion = library_version;
    std::memset(info->utcTime, ' ', sizeof info->utcTime);  // no CKF_CLOCK_ON_TOKEN
}

void Module::get_mechanism_list(CK_SLOT_ID id, CK_MECHANISM_TYPE* list, CK_ULONG* count) {
    check(count != nullptr, CKR_ARGUMENTS_BAD);
    {
        Guard g(mutex_);
        slot_locked(id);
    }
    auto table = mechanism_table();
    CK_ULONG n = table.size();
    if (list == nullptr) {
        *count = n;
        return;
    }
    if (*count < n) {
        *count = n;
        fail(CKR_BUFFER_TOO_SMALL);
    }
    for (CK_ULONG i = 0; i < n; ++i) list[i] = table[i].type;
    *count = n;
}

void Module::get_mechanism_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO* info) {
    check(info != nullptr, CKR_ARGUMENTS_BAD);
    {
        Guard g(mutex_);
        slot_locked(id);
    }
    const MechInfo* m = find_mechanism(type);
    check(m != nullptr, CKR_MECHANISM_INVALID);
    *info = m->info;
}

void Module::init_token(CK_SLOT_ID id, const CK_UTF8CHAR* pin, CK_ULONG pin_len,
                        const CK_UTF8CHAR* label) {
    check(label != nullptr, CKR_ARGUMENTS_BAD);
    std::string_view so_pin = pin_view(pin, pin_len);
    std::string lab(reinterpret_cast<const char*>(label), 32);
    while (!lab.empty() && lab.back() == ' ') lab.pop_back();
    Guard g(mutex_);
    Slot& s = slot_locked(id);
    check(s.sessions == 0, CKR_SESSION_EXISTS);
    ks_check(keystore::init_token(config_, s.path, so_pin, lab));
    // Re-open: the token id and data key are new, so an earlier Token object is stale.
    s.token = std::shared_ptr<keystore::Token>(ks_value(keystore::Token::open(config_, s.path)));
    s.user_must_change = false;
    for (auto it = object_ids_.begin(); it != object_ids_.end();) {
        if (it->first.first == id) {
            objects_.erase(it->second);
            it = object_ids_.erase(it);
        } else {
            ++it;
        }
    }
    rescan_locked();  // a new spare slot
}

std::shared_ptr<Session> Module::session(CK_SESSION_HANDLE h) {
    Guard g(mutex_);
    auto it = sessions_.find(h);
    check(it != sessions_.end(), CKR_SESSION_HANDLE_INVALID);
    return it->second;
}

void Module::check_session(CK_SESSION_HANDLE h) {
    session(h);
}

bool Module::so_logged_in(CK_SLOT_ID slot) {
    auto t = token_of(slot);
    return t && t->logged_in() == keystore::UserType::so;
}

bool Module::user_logged_in(CK_SLOT_ID slot) {
    auto t = token_of(slot);
    return t && t->logged_in() == keystore::UserType::user;
}

CK_STATE Module::state_of(const Session& s) {
    auto t = token_of(s.slot);
    auto who = t ? t->logged_in() : std::nullopt;
    if (!s.rw())
        return who == keystore::UserType::user ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION;
    if (who == keystore::UserType::so) return CKS_RW_SO_FUNCTIONS;
    return who == keystore::UserType::user ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION;
}

void Module::init_pin(CK_SESSION_HANDLE h, const CK_UTF8CHAR* pin, CK_ULONG len) {
    auto s = session(h);
    std::string_view p = pin_view(pin, len);
    check(state_of(*s) == CKS_RW_SO_FUNCTIONS, CKR_USER_NOT_LOGGED_IN);
    ks_check(token_of(s->slot)->init_user_pin(p));
}

void Module::set_pin(CK_SESSION_HANDLE h, const CK_UTF8CHAR* old_pin, CK_ULONG old_len,
                     const CK_UTF8CHAR* new_pin, CK_ULONG new_len) {
    auto s = session(h);
    std::string_view o = pin_view(old_pin, old_len);
    std::string_view n = pin_view(new_pin, new_len);
    check(s->rw(), CKR_SESSION_READ_ONLY);
    auto who =
        state_of(*s) == CKS_RW_SO_FUNCTIONS ? keystore::UserType::so : keystore::UserType::user;
    ks_check(token_of(s->slot)->set_pin(who, o, n));
    if (who == keystore::UserType::user) {
        Guard g(mutex_);
        slot_locked(s->slot).user_must_change = false;
    }
}

void Module::open_session(CK_SLOT_ID id, CK_FLAGS flags, CK_SESSION_HANDLE* out) {
    check(out != nullptr, CKR_ARGUMENTS_BAD);
    check((flags & CKF_SERIAL_SESSION) != 0, CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    Guard g(mutex_);
    Slot& s = slot_locked(id);
    check(s.token != nullptr, CKR_TOKEN_NOT_RECOGNIZED);
    auto info = ks_value(s.token->info());
    check(info.initialized, CKR_TOKEN_NOT_RECOGNIZED);
    if ((flags & CKF_RW_SESSION) == 0 && s.token->logged_in() == keystore::UserType::so)
        fail(CKR_SESSION_READ_WRITE_SO_EXISTS);
    CK_SESSION_HANDLE h = next_session_++;
    sessions_.emplace(h, std::make_shared<Session>(locking_, h, id,
                                                   flags & (CKF_RW_SESSION | CKF_SERIAL_SESSION)));
    ++s.sessions;
    if ((flags & CKF_RW_SESSION) != 0) ++s.rw_sessions;
    *out = h;
}

void Module::forget_session_objects_locked(const Session& s) {
    Slot& slot = slot_locked(s.slot);
    for (auto it = session_object_owner_.begin(); it != session_object_owner_.end();) {
        if (it->second != s.handle) {
            ++it;
            continue;
        }
        auto ref = objects_.find(it->first);
        if (ref != objects_.end()) {
            if (slot.token) (void)slot.token->destroy_object(ref->second.handle);
            object_ids_.erase({ref->second.slot, ref->second.handle});
            objects_.erase(ref);
        }
        it = session_object_owner_.erase(it);
    }
}

void Module::close_session(CK_SESSION_HANDLE h) {
    Guard g(mutex_);
    auto it = sessions_.find(h);
    check(it != sessions_.end(), CKR_SESSION_HANDLE_INVALID);
    std::shared_ptr<Session> s = it->second;
    forget_session_objects_locked(*s);
    sessions_.erase(it);
    Slot& slot = slot_locked(s->slot);
    --slot.sessions;
    if (s->rw()) --slot.rw_sessions;
    if (slot.sessions == 0 && slot.token) slot.token->logout();  // last session: log out
}

void Module::close_all_sessions(CK_SLOT_ID id) {
    std::vector<CK_SESSION_HANDLE> hs;
    {
        Guard g(mutex_);
        slot_locked(id);
        for (const auto& [h, s] : sessions_)
            if (s->slot == id) hs.push_back(h);
    }
    for (auto h : hs) close_session(h);
}

void Module::get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO* info) {
    check(info != nullptr, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    info->slotID = s->slot;
    info->state = state_of(*s);
    info->flags = s->flags;
    info->ulDeviceError = 0;
}

void Module::login(CK_SESSION_HANDLE h, CK_USER_TYPE user, const CK_UTF8CHAR* pin, CK_ULONG len) {
    auto s = session(h);
    if (user == CKU_CONTEXT_SPECIFIC) fail(CKR_OPERATION_NOT_INITIALIZED);  // no always-auth keys
    check(user == CKU_SO || user == CKU_USER, CKR_USER_TYPE_INVALID);
    std::string_view p = pin_view(pin, len);
    auto token = token_of(s->slot);
    // An SO login with R/O sessions open is refused first (SoftHSM2 checks in this order too).
    if (user == CKU_SO) {
        Guard g(mutex_);
        Slot& slot = slot_locked(s->slot);
        check(slot.sessions == slot.rw_sessions, CKR_SESSION_READ_ONLY_EXISTS);
    }
    auto who = token->logged_in();
    auto want = user == CKU_SO ? keystore::UserType::so : keystore::UserType::user;
    if (who == want) fail(CKR_USER_ALREADY_LOGGED_IN);
    if (who) fail(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    // C_Login's return values (PKCS#11 v2.40 §5.6) have no CKR_PIN_LEN_RANGE: a PIN longer than
    // any PIN the token accepts is simply not the PIN.
    check(p.size() <= config_.pin_max_length, CKR_PIN_INCORRECT);
    auto info = ks_value(token->login(want, p));
    if (want == keystore::UserType::user) {
        Guard g(mutex_);
        slot_locked(s->slot).user_must_change = info.must_change;
    }
}

void Module::logout(CK_SESSION_HANDLE h) {
    auto s = session(h);
    auto token = token_of(s->slot);
    check(token->logged_in().has_value(), CKR_USER_NOT_LOGGED_IN);
    token->logout();
    // Private session objects are gone from the keystore; drop their handles. Only this slot's
    // session objects are looked at (object_ids_ is ordered by slot, then keystore handle), so
    // a logout costs nothing per token object however many the module has handed out.
    Guard g(mutex_);
    auto it = object_ids_.lower_bound({s->slot, keystore::session_handle_base});
    while (it != object_ids_.end() && it->first.first == s->slot) {
        if (token->read_object(it->first.second).ok()) {
            ++it;
            continue;
        }
        objects_.erase(it->second);
        session_object_owner_.erase(it->second);
        it = object_ids_.erase(it);
    }
}

// ---- object handles ----

CK_OBJECT_HANDLE Module::handle_for_locked(CK_SLOT_ID slot, keystore::ObjectHandle h) {
    auto [it, inserted] = object_ids_.emplace(std::make_pair(slot, h), 0);
    if (inserted) {
        it->second = next_object_++;
        objects_.emplace(it->second, ObjectRef{slot, h});
    }
    return it->second;
}

ObjectRef Module::resolve(const Session& s, CK_OBJECT_HANDLE obj) {
    Guard g(mutex_);
    auto it = objects_.find(obj);
    check(it != objects_.end() && it->second.slot == s.slot, CKR_OBJECT_HANDLE_INVALID);
    return it->second;
}

keystore::Object Module::read_object(const Session& s, CK_OBJECT_HANDLE obj, ObjectRef* ref_out) {
    return *view_object(s, obj, ref_out);  // a copy the caller may change
}

std::shared_ptr<const keystore::Object> Module::view_object(const Session& s, CK_OBJECT_HANDLE obj,
                                                            ObjectRef* ref_out) {
    ObjectRef ref = resolve(s, obj);
    if (ref_out != nullptr) *ref_out = ref;
    auto token = token_of(s.slot);
    return ks_value(token->view_object(ref.handle));
}

AttrMap Module::object_attrs(keystore::Token& /*token*/, const keystore::Object& o) {
    return attrs_from_keystore(o);
}

void Module::check_write(const Session& s, bool token_object) {
    if (token_object && !s.rw()) fail(CKR_SESSION_READ_ONLY);
}

CK_OBJECT_HANDLE Module::store_new(const Session& s,
                                   const keystore::Result<keystore::ObjectHandle>& r) {
    if (!r.ok()) fail(to_rv(r.error(), r.status().core_status()));
    Guard g(mutex_);
    CK_OBJECT_HANDLE h = handle_for_locked(s.slot, r.value());
    if (r.value() >= keystore::session_handle_base) session_object_owner_[h] = s.handle;
    return h;
}

void Module::create_object(CK_SESSION_HANDLE h, CK_ATTRIBUTE* tmpl, CK_ULONG count,
                           CK_OBJECT_HANDLE* out) {
    check(tmpl != nullptr && out != nullptr, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    const CK_ATTRIBUTE* cls_attr = find_in_template(tmpl, count, CKA_CLASS);
    check(cls_attr != nullptr, CKR_TEMPLATE_INCOMPLETE);
    check(cls_attr->pValue != nullptr && cls_attr->ulValueLen == sizeof(CK_OBJECT_CLASS),
          CKR_ATTRIBUTE_VALUE_INVALID);
    CK_OBJECT_CLASS cls;
    std::memcpy(&cls, cls_attr->pValue, sizeof cls);
    unsigned bit = class_bit(cls);
    AttrMap attrs = parse_template(tmpl, count, bit, TemplateUse::create);
    check_required(attrs, bit);
    NewObject n = prepare_new_object(std::move(attrs), bit, ObjectOrigin::created);
    check_write(*s, n.object.is_token);
    if (n.object.is_private && !user_logged_in(s->slot)) fail(CKR_USER_NOT_LOGGED_IN);
    if (attr_bool(n.all, CKA_TRUSTED, false) && !so_logged_in(s->slot))
        fail(CKR_ATTRIBUTE_READ_ONLY);
    auto token = token_of(s->slot);
    *out = store_new(*s, token->create_object(n.object, n.secret));
}

void Module::copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE* tmpl,
                         CK_ULONG count, CK_OBJECT_HANDLE* out) {
    check(out != nullptr && (tmpl != nullptr || count == 0), CKR_ARGUMENTS_BAD);
    auto s = session(h);
    ObjectRef ref{};
    keystore::Object o = read_object(*s, obj, &ref);
    AttrMap cur = attrs_from_keystore(o);
    check(attr_bool(cur, CKA_COPYABLE, true), CKR_ACTION_PROHIBITED);
    unsigned bit = class_bit(o.object_class);
    AttrMap changes = parse_template(tmpl, count, bit, TemplateUse::copy);
    std::optional<bool> to_token;
    if (auto it = changes.find(CKA_TOKEN); it != changes.end()) {
        to_token = it->second[0] != CK_FALSE;
        changes.erase(it);
    }
    if (auto it = changes.find(CKA_PRIVATE); it != changes.end()) {
        check((it->second[0] != CK_FALSE) == o.is_private, CKR_TEMPLATE_INCONSISTENT);
        changes.erase(it);
    }
    keystore::ObjectUpdate upd = update_from_changes(cur, changes, bit);
    check_write(*s, to_token.value_or(o.is_token));
    auto token = token_of(s->slot);
    *out = store_new(*s, token->copy_object(ref.handle, upd, to_token));
}

void Module::destroy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj) {
    auto s = session(h);
    ObjectRef ref{};
    keystore::Object o = read_object(*s, obj, &ref);
    check_write(*s, o.is_token);
    AttrMap cur = attrs_from_keystore(o);
    check(attr_bool(cur, CKA_DESTROYABLE, true), CKR_ACTION_PROHIBITED);
    ks_check(token_of(s->slot)->destroy_object(ref.handle));
    Guard g(mutex_);
    object_ids_.erase({ref.slot, ref.handle});
    objects_.erase(obj);
    session_object_owner_.erase(obj);
}

void Module::get_object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG* size) {
    check(size != nullptr, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    (void)read_object(*s, obj);
    *size = CK_UNAVAILABLE_INFORMATION;
}

CK_RV Module::get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE* tmpl,
                                  CK_ULONG count) {
    check(tmpl != nullptr || count == 0, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    ObjectRef ref{};
    keystore::Object o = read_object(*s, obj, &ref);
    AttrMap attrs = attrs_from_keystore(o);
    unsigned bit = class_bit(o.object_class);
    bool hidden = (bit & (cls_private | cls_secret)) != 0 && (o.sensitive || !o.extractable);
    if (bit == cls_private) hidden = true;  // private scalars never leave the keystore
    CK_RV rv = CKR_OK;
    for (CK_ULONG i = 0; i < count; ++i) {
        CK_ATTRIBUTE& a = tmpl[i];
        const AttrRule* rule = nullptr;
        for (const auto& r : attribute_rules())
            if (r.type == a.type && (r.classes & bit) != 0) rule = &r;
        if (rule == nullptr) {
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_TYPE_INVALID;
            continue;
        }
        if ((rule->flags & af_sensitive) != 0 && (bit & (cls_private | cls_secret)) != 0 &&
            hidden) {
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_SENSITIVE;
            continue;
        }
        Bytes value;
        if (a.type == CKA_VALUE && bit == cls_secret) {
            auto sec = ks_value(token_of(s->slot)->read_secret_value(ref.handle));
            value.assign(sec.data(), sec.data() + sec.size());
        } else {
            auto it = attrs.find(a.type);
            if (it == attrs.end()) {
                a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                rv = CKR_ATTRIBUTE_TYPE_INVALID;
                continue;
            }
            value = it->second;
        }
        if (a.pValue == nullptr) {
            a.ulValueLen = value.size();
        } else if (a.ulValueLen < value.size()) {
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_BUFFER_TOO_SMALL;
        } else {
            if (!value.empty()) std::memcpy(a.pValue, value.data(), value.size());
            a.ulValueLen = value.size();
        }
    }
    return rv;
}

void Module::set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE* tmpl,
                                 CK_ULONG count) {
    check(tmpl != nullptr || count == 0, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    ObjectRef ref{};
    keystore::Object o = read_object(*s, obj, &ref);
    check_write(*s, o.is_token);
    AttrMap cur = attrs_from_keystore(o);
    check(attr_bool(cur, CKA_MODIFIABLE, true), CKR_ACTION_PROHIBITED);
    unsigned bit = class_bit(o.object_class);
    AttrMap changes = parse_template(tmpl, count, bit, TemplateUse::modify);
    if (auto it = changes.find(CKA_TRUSTED);
        it != changes.end() && it->second[0] != CK_FALSE && !so_logged_in(s->slot))
        fail(CKR_ATTRIBUTE_READ_ONLY);
    keystore::ObjectUpdate upd = update_from_changes(cur, changes, bit);
    ks_check(token_of(s->slot)->update_object(ref.handle, upd));
}

void Module::find_objects_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE* tmpl, CK_ULONG count) {
    check(tmpl != nullptr || count == 0, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    std::vector<std::pair<CK_ATTRIBUTE_TYPE, Bytes>> want;
    keystore::ObjectQuery q;
    for (CK_ULONG i = 0; i < count; ++i) {
        check(tmpl[i].pValue != nullptr || tmpl[i].ulValueLen == 0, CKR_ARGUMENTS_BAD);
        want.emplace_back(tmpl[i].type, to_bytes(tmpl[i].pValue, tmpl[i].ulValueLen));
    }
    // The keystore narrows by the fields it indexes (class, key type, label, id); the full
    // template is matched below. Each is exact, so nothing the template matches is left out.
    for (const auto& [type, value] : want) {
        CK_ULONG v = 0;
        const bool ulong_value = value.size() == sizeof v;
        if (ulong_value) std::memcpy(&v, value.data(), sizeof v);
        if (type == CKA_CLASS && ulong_value && !q.object_class) q.object_class = v;
        if (type == CKA_KEY_TYPE && ulong_value && !q.key_type) q.key_type = v;
        if (type == CKA_LABEL || type == CKA_ID)
            q.attributes.push_back({type, keystore::Bytes(value.begin(), value.end())});
    }
    Guard sg(s->mutex);
    check(!s->find.has_value(), CKR_OPERATION_ACTIVE);
    auto token = token_of(s->slot);
    auto handles = ks_value(token->find_objects(q));
    FindState st;
    for (auto kh : handles) {
        auto o = token->read_object(kh);
        if (!o.ok()) continue;
        if (!template_matches(attrs_from_keystore(o.value()), want)) continue;
        Guard g(mutex_);
        st.results.push_back(handle_for_locked(s->slot, kh));
    }
    s->find = std::move(st);
}

void Module::find_objects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE* out, CK_ULONG max,
                          CK_ULONG* count) {
    check(out != nullptr && count != nullptr, CKR_ARGUMENTS_BAD);
    auto s = session(h);
    Guard sg(s->mutex);
    check(s->find.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    CK_ULONG n = 0;
    while (n < max && s->find->next < s->find->results.size())
        out[n++] = s->find->results[s->find->next++];
    *count = n;
}

void Module::find_objects_final(CK_SESSION_HANDLE h) {
    auto s = session(h);
    Guard sg(s->mutex);
    check(s->find.has_value(), CKR_OPERATION_NOT_INITIALIZED);
    s->find.reset();
}

}  // namespace gostcsp::p11
