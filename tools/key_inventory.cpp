// SPDX-License-Identifier: Apache-2.0
// gostcsp-tool: key pairs, their certificates and URIs (key_inventory.hpp).
#include "key_inventory.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <p11-kit/uri.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>

namespace gostcsp::tool {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const noexcept { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string name_text(const X509_NAME* n) {
    BioPtr b(BIO_new(BIO_s_mem()));
    if (!b || X509_NAME_print_ex(b.get(), n, 0, XN_FLAG_RFC2253) < 0) return {};
    char* data = nullptr;
    const long len = BIO_get_mem_data(b.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string time_text(const ASN1_TIME* t) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

template <class T, class F>
Bytes der_of(F i2d, T* obj) {
    unsigned char* p = nullptr;
    const int n = i2d(obj, &p);
    if (n <= 0) return {};
    Bytes b(p, p + n);
    OPENSSL_free(p);
    return b;
}

std::string obj_text(const ASN1_OBJECT* o) {
    char buf[128];
    if (o == nullptr || OBJ_obj2txt(buf, sizeof buf, o, 1) <= 0) return {};
    return buf;
}

// The GOST SPKI: algorithm parameters SEQUENCE { publicKeyParamSet OID, ... } and a BIT STRING
// holding an OCTET STRING of X‖Y little-endian (RFC 4491 §2.3.2).
void read_gost_public_key(X509* cert, CertInfo& info) {
    X509_PUBKEY* spki = X509_get_X509_PUBKEY(cert);
    ASN1_OBJECT* alg = nullptr;
    const unsigned char* pk = nullptr;
    int pklen = 0;
    X509_ALGOR* pa = nullptr;
    if (spki == nullptr || X509_PUBKEY_get0_param(&alg, &pk, &pklen, &pa, spki) != 1) return;
    info.key_algorithm = obj_text(alg);
    if (info.key_algorithm != "1.2.643.7.1.1.1.1" && info.key_algorithm != "1.2.643.7.1.1.1.2")
        return;
    int ptype = 0;
    const void* pval = nullptr;
    X509_ALGOR_get0(nullptr, &ptype, &pval, pa);
    if (ptype == V_ASN1_SEQUENCE && pval != nullptr) {
        const auto* seq = static_cast<const ASN1_STRING*>(pval);
        const unsigned char* p = ASN1_STRING_get0_data(seq);
        ASN1_SEQUENCE_ANY* items = d2i_ASN1_SEQUENCE_ANY(nullptr, &p, ASN1_STRING_length(seq));
        if (items != nullptr && sk_ASN1_TYPE_num(items) >= 1) {
            const ASN1_TYPE* first = sk_ASN1_TYPE_value(items, 0);
            if (ASN1_TYPE_get(first) == V_ASN1_OBJECT)
                info.param_oid = obj_text(first->value.object);
        }
        sk_ASN1_TYPE_pop_free(items, ASN1_TYPE_free);
    }
    const unsigned char* p = pk;
    ASN1_OCTET_STRING* xy = d2i_ASN1_OCTET_STRING(nullptr, &p, pklen);
    if (xy != nullptr) {
        const unsigned char* d = ASN1_STRING_get0_data(xy);
        info.public_key.assign(d, d + ASN1_STRING_length(xy));
    }
    ASN1_OCTET_STRING_free(xy);
}

}  // namespace

std::optional<CertInfo> parse_certificate(std::string_view raw, Bytes* der_out) {
    BioPtr bio(BIO_new_mem_buf(raw.data(), static_cast<int>(raw.size())));
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) {
        const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
        cert.reset(d2i_X509(nullptr, &p, static_cast<long>(raw.size())));
    }
    if (!cert) return std::nullopt;
    CertInfo info;
    info.subject = name_text(X509_get_subject_name(cert.get()));
    info.issuer = name_text(X509_get_issuer_name(cert.get()));
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr)) {
        char* h = BN_bn2hex(bn);
        if (h != nullptr) info.serial_hex = h;
        OPENSSL_free(h);
        BN_free(bn);
    }
    info.not_before = time_text(X509_get0_notBefore(cert.get()));
    info.not_after = time_text(X509_get0_notAfter(cert.get()));
    info.expired = X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0;
    read_gost_public_key(cert.get(), info);
    info.subject_der = der_of(i2d_X509_NAME, X509_get_subject_name(cert.get()));
    info.issuer_der = der_of(i2d_X509_NAME, X509_get_issuer_name(cert.get()));
    info.serial_der = der_of(i2d_ASN1_INTEGER, X509_get0_serialNumber(cert.get()));
    if (der_out != nullptr) {
        *der_out = der_of(i2d_X509, cert.get());
        if (der_out->empty() || info.subject_der.empty()) return std::nullopt;
    }
    return info;
}

Bytes oid_der(std::string_view dotted) {
    const std::string s(dotted);
    ASN1_OBJECT* o = OBJ_txt2obj(s.c_str(), 1);
    unsigned char* d = nullptr;
    const int n = o ? i2d_ASN1_OBJECT(o, &d) : -1;
    ASN1_OBJECT_free(o);
    if (n <= 0) return {};
    Bytes b(d, d + n);
    OPENSSL_free(d);
    return b;
}

std::string oid_dotted(const Bytes& der) {
    const unsigned char* p = der.data();
    ASN1_OBJECT* o = d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(der.size()));
    std::string s = obj_text(o);
    ASN1_OBJECT_free(o);
    return s;
}

core::ParamSetSpelling stored_param_set(const ks::Object& o) {
    const auto& info = core::param_set_info(*o.param_set);
    if (const Bytes* requested = attr(o, ks::cka_gostcsp_param_oid)) {
        const auto s = core::param_set_spelling_of_oid(oid_dotted(*requested));
        if (s && s->set == *o.param_set) return *s;
    }
    return *core::param_set_spelling_of_oid(info.oid);
}

std::vector<CertInfo> stored_certificates(ks::Token& t) {
    std::vector<CertInfo> out;
    ks::ObjectQuery q;
    q.object_class = ks::cko_certificate;
    for (auto h : take(t.find_objects(q), "listing certificates")) {
        auto obj = take(t.read_object(h), "certificate " + std::to_string(h));
        const Bytes* der = attr(obj, ks::cka_value);
        if (der == nullptr) continue;
        auto info = parse_certificate({reinterpret_cast<const char*>(der->data()), der->size()});
        if (!info) continue;
        info->handle = h;
        info->label = attr_text(obj, cka_label);
        if (const Bytes* id = attr(obj, cka_id)) info->id = *id;
        out.push_back(std::move(*info));
    }
    return out;
}

std::vector<KeyEntry> key_inventory(ks::Token& t) {
    std::vector<KeyEntry> keys;
    const auto certs = stored_certificates(t);
    for (auto h : take(t.find_objects(), "listing objects")) {
        auto obj = take(t.read_object(h), "object " + std::to_string(h));
        if ((obj.object_class != ks::cko_public_key && obj.object_class != ks::cko_private_key) ||
            !obj.param_set)
            continue;
        const Bytes* id = attr(obj, cka_id);
        // The two halves of a pair carry the same public key.
        KeyEntry* entry = nullptr;
        for (auto& k : keys)
            if (k.public_xy == obj.public_key) entry = &k;
        if (entry == nullptr) {
            keys.emplace_back();
            entry = &keys.back();
            entry->label = attr_text(obj, cka_label);
            if (id) entry->id = *id;
            entry->bits = core::param_set_info(*obj.param_set).bits;
            entry->param_set = stored_param_set(obj);
            entry->public_xy = obj.public_key;
        }
        auto use = [&](std::uint64_t a, const char* name) {
            if (!attr_true(obj, a)) return;
            for (const auto& u : entry->usage)
                if (u == name) return;
            entry->usage.emplace_back(name);
        };
        if (obj.object_class == ks::cko_public_key) {
            entry->public_key = h;
            use(cka_verify, "verify");
        } else {
            entry->private_key = h;
            use(cka_sign, "sign");
            use(cka_derive, "derive");
        }
    }
    for (auto& k : keys) {
        for (const auto& c : certs)
            if (!c.public_key.empty() && c.public_key == k.public_xy) k.certificate = c;
    }
    return keys;
}

std::string format_key_uri(const std::string& token_label, const std::string& serial,
                           const std::string& label, const Bytes& id,
                           const std::string& pin_source) {
    struct UriFree {
        void operator()(P11KitUri* u) const noexcept { p11_kit_uri_free(u); }
    };
    std::unique_ptr<P11KitUri, UriFree> uri(p11_kit_uri_new());
    if (!uri) fail("out of memory");
    CK_TOKEN_INFO* ti = p11_kit_uri_get_token_info(uri.get());
    // Token labels and serials are blank-padded fields in CK_TOKEN_INFO.
    if (token_label.size() > sizeof ti->label) fail("token label longer than 32 bytes");
    std::memset(ti->label, ' ', sizeof ti->label);
    std::memcpy(ti->label, token_label.data(), token_label.size());
    if (!serial.empty() && serial.size() <= sizeof ti->serialNumber) {
        std::memset(ti->serialNumber, ' ', sizeof ti->serialNumber);
        std::memcpy(ti->serialNumber, serial.data(), serial.size());
    }
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE a_cls{CKA_CLASS, &cls, sizeof cls};
    bool ok = p11_kit_uri_set_attribute(uri.get(), &a_cls) == P11_KIT_URI_OK;
    if (!label.empty()) {
        CK_ATTRIBUTE a{CKA_LABEL, const_cast<char*>(label.data()), label.size()};
        ok = ok && p11_kit_uri_set_attribute(uri.get(), &a) == P11_KIT_URI_OK;
    }
    Bytes id_copy = id;
    if (!id_copy.empty()) {
        CK_ATTRIBUTE a{CKA_ID, id_copy.data(), id_copy.size()};
        ok = ok && p11_kit_uri_set_attribute(uri.get(), &a) == P11_KIT_URI_OK;
    }
    if (!pin_source.empty()) p11_kit_uri_set_pin_source(uri.get(), pin_source.c_str());
    char* text = nullptr;
    if (!ok ||
        p11_kit_uri_format(uri.get(), P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &text) != P11_KIT_URI_OK ||
        text == nullptr)
        fail("could not build the pkcs11: URI");
    std::string out(text);
    std::free(text);
    return out;
}

}  // namespace gostcsp::tool
