// SPDX-License-Identifier: Apache-2.0
// Object records: codec, sealing AAD, row checks, attribute rules.
#include "records.hpp"

#include <algorithm>
#include <cstdio>

#include "gostcsp/secure.hpp"

namespace gostcsp::keystore::detail {

Bytes record_aad(std::span<const std::uint8_t> token_id, const Record& r) {
    Writer w;
    w.text(aad_object_tag);
    w.bytes(token_id);
    w.u64(r.id);
    w.u64(r.object_class);
    w.u64(r.key_type);
    w.u64(static_cast<std::uint64_t>(r.param_set));
    w.u32(r.flags);
    w.text(r.aead_alg);
    return std::move(w.data());
}

// Body: public key, attributes, secret (empty for public objects).
Result<SecureBytes> encode_body(const Object& o, std::span<const std::uint8_t> secret) {
    Writer w;
    w.bytes(o.public_key);
    w.u32(static_cast<std::uint32_t>(o.attributes.size()));
    for (const auto& a : o.attributes) {
        w.u64(a.type);
        w.bytes(a.value);
    }
    // The secret goes straight into locked memory; the non-secret prefix is copied after it.
    const auto& prefix = w.data();
    SecureBytes out(prefix.size() + 4 + secret.size());
    if (!out.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
    std::copy(prefix.begin(), prefix.end(), out.data());
    const auto n = static_cast<std::uint32_t>(secret.size());
    for (int i = 0; i < 4; ++i)
        out.data()[prefix.size() + static_cast<std::size_t>(i)] =
            static_cast<std::uint8_t>(n >> (8 * i));
    if (!secret.empty()) std::copy(secret.begin(), secret.end(), out.data() + prefix.size() + 4);
    // A private object's attributes are confidential too: leave no copy in the free heap.
    core::secure_zero(w.data().data(), w.data().size());
    return out;
}

Result<Decoded> decode_body(const Record& r, std::span<const std::uint8_t> body) {
    Decoded d;
    Reader rd(body);
    std::span<const std::uint8_t> pub, secret;
    std::uint32_t count = 0;
    auto bad = [&] {
        return Status(Error::corrupt, "object " + std::to_string(r.id) + ": malformed record body");
    };
    if (!rd.bytes(pub) || !rd.u32(count)) return bad();
    Object& o = d.object;
    o.public_key.assign(pub.begin(), pub.end());
    for (std::uint32_t i = 0; i < count; ++i) {
        Attribute a;
        std::span<const std::uint8_t> v;
        if (!rd.u64(a.type) || !rd.bytes(v)) return bad();
        a.value.assign(v.begin(), v.end());
        o.attributes.push_back(std::move(a));
    }
    if (!rd.bytes(secret) || !rd.done()) return bad();
    if (!secret.empty()) {
        d.secret = SecureBytes(secret.size());
        if (!d.secret.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
        std::copy(secret.begin(), secret.end(), d.secret.data());
    }
    if (((r.flags & flag_has_secret) != 0) != !secret.empty()) return bad();
    o.handle = r.id;
    o.object_class = r.object_class;
    o.key_type = r.key_type;
    if (r.param_set >= 0) o.param_set = static_cast<core::ParamSet>(r.param_set);
    o.is_token = r.is_token;
    o.is_private = r.flags & flag_private;
    o.sensitive = r.flags & flag_sensitive;
    o.extractable = r.flags & flag_extractable;
    o.always_sensitive = r.flags & flag_always_sensitive;
    o.never_extractable = r.flags & flag_never_extractable;
    o.has_secret = r.flags & flag_has_secret;
    return d;
}

Result<Record> row_record(const Stmt& s) {
    Record r;
    r.id = static_cast<ObjectHandle>(s.column_int(0));
    r.object_class = static_cast<std::uint64_t>(s.column_int(1));
    r.key_type = static_cast<std::uint64_t>(s.column_int(2));
    r.param_set = s.column_int(3);
    const std::int64_t flags = s.column_int(4);
    if (flags < 0 || (static_cast<std::uint64_t>(flags) & ~std::uint64_t{flag_known})) {
        return Status(Error::corrupt, "object " + std::to_string(r.id) + ": unknown flags");
    }
    r.flags = static_cast<std::uint32_t>(flags);
    if (!s.column_is_null(5)) r.aead_alg = s.column_text(5);
    r.nonce = s.column_blob(6);
    r.body = s.column_blob(7);
    r.is_token = true;
    if (r.param_set != -1 && !valid_param_set(r.param_set)) {
        return Status(Error::corrupt, "object " + std::to_string(r.id) + ": bad parameter set");
    }
    // A private object stored without sealing, or a public one with, is an altered file.
    if (r.is_private() != !r.aead_alg.empty()) {
        return Status(Error::integrity_failure,
                      "object " + std::to_string(r.id) + ": private flag and sealing disagree");
    }
    // Keys and secrets exist only sealed: a clear row claiming to be one was planted.
    const bool key_class = r.object_class == cko_private_key || r.object_class == cko_secret_key;
    if ((key_class || (r.flags & flag_has_secret)) && !r.is_private()) {
        return Status(Error::integrity_failure,
                      "object " + std::to_string(r.id) + ": a key stored without a seal");
    }
    return r;
}

bool is_gost_key_type(std::uint64_t kt) {
    return kt == ckk_gostr3410 || kt == ckk_gostr3410_512;
}

std::uint64_t gost_key_type_for(core::ParamSet set) {
    return core::param_set_info(set).bits == 256 ? ckk_gostr3410 : ckk_gostr3410_512;
}

bool valid_param_set(std::int64_t v) {
    const auto sets = core::all_param_sets();
    return std::any_of(sets.begin(), sets.end(), [&](const core::ParamSetInfo& i) {
        return static_cast<std::int64_t>(i.id) == v;
    });
}

Status crypto_status(core::Status s, std::string_view what) {
    return Status(Error::crypto_failure,
                  std::string(what) + ": " + std::string(core::status_message(s)), s);
}

Status check_attributes(const std::vector<Attribute>& attrs, std::uint64_t object_class) {
    for (const auto& a : attrs) {
        switch (a.type) {
            case cka_class:
            case cka_token:
            case cka_private:
            case cka_key_type:
            case cka_sensitive:
            case cka_extractable:
            case cka_always_sensitive:
            case cka_never_extractable:
            case cka_gostr3410_params:
                return Status(
                    Error::template_inconsistent, "attribute 0x" + [&] {
                        char buf[20];
                        std::snprintf(buf, sizeof buf, "%llx",
                                      static_cast<unsigned long long>(a.type));
                        return std::string(buf);
                    }() + " is a typed field, not an opaque attribute");
            case cka_value:
                if (object_class == cko_private_key || object_class == cko_secret_key) {
                    return Status(Error::template_inconsistent,
                                  "a key's secret value must be passed as the sealed secret, "
                                  "never as a clear attribute");
                }
                break;
            default:
                break;
        }
    }
    return {};
}

void apply_attributes(std::vector<Attribute>& attrs, const std::vector<Attribute>& set) {
    for (const auto& s : set) {
        auto it = std::find_if(attrs.begin(), attrs.end(),
                               [&](const Attribute& a) { return a.type == s.type; });
        if (it != attrs.end())
            it->value = s.value;
        else
            attrs.push_back(s);
    }
}

bool matches(const Object& o, const ObjectQuery& q) {
    if (q.object_class && *q.object_class != o.object_class) return false;
    if (q.key_type && *q.key_type != o.key_type) return false;
    if (q.is_token && *q.is_token != o.is_token) return false;
    if (q.is_private && *q.is_private != o.is_private) return false;
    for (const auto& want : q.attributes) {
        auto it = std::find_if(o.attributes.begin(), o.attributes.end(),
                               [&](const Attribute& a) { return a.type == want.type; });
        if (it == o.attributes.end() || it->value != want.value) return false;
    }
    return true;
}

}  // namespace gostcsp::keystore::detail
