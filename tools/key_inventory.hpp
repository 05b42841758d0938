// SPDX-License-Identifier: Apache-2.0
// gostcsp-tool's view of a token as key pairs ("containers"): each pair's halves, the parameter
// set by the OID it was requested with, the certificate whose public key matches, and the
// pkcs11: URI that selects exactly it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "token_common.hpp"

namespace gostcsp::tool {

// What the tool reads from an X.509 certificate.
struct CertInfo {
    ks::ObjectHandle handle = ks::invalid_handle;  // on the token, if stored
    std::string label;
    Bytes id;
    std::string subject, issuer, serial_hex, not_before, not_after;  // RFC 2253 / ISO 8601 UTC
    bool expired = false;
    Bytes public_key;           // GOST: X‖Y little-endian from the SPKI; empty for other keys
    std::string param_oid;      // GOST: publicKeyParamSet OID
    std::string key_algorithm;  // the SPKI algorithm OID (dotted)
    Bytes subject_der, issuer_der, serial_der;  // CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER
};
// Parses DER or PEM; nullopt if it is not an X.509 certificate.
std::optional<CertInfo> parse_certificate(std::string_view der_or_pem, Bytes* der_out = nullptr);

struct KeyEntry {
    std::string label;
    Bytes id;
    unsigned bits = 0;
    core::ParamSetSpelling param_set{};  // the OID the key carries and its canonical name
    ks::ObjectHandle public_key = ks::invalid_handle;
    ks::ObjectHandle private_key = ks::invalid_handle;  // only seen after a login
    std::vector<std::string> usage;                     // sign, verify, derive
    Bytes public_xy;
    std::optional<CertInfo> certificate;
};

// The OID a GOST key object carries: the one it was requested with (kept in
// ks::cka_gostcsp_param_oid when it is an alias OID of its curve), else the set's own OID.
core::ParamSetSpelling stored_param_set(const ks::Object& o);
// DER of a dotted OID and back (OpenSSL's OBJ_* functions).
Bytes oid_der(std::string_view dotted);
std::string oid_dotted(const Bytes& der);

// Every key pair visible in the token's current login state, in handle order.
std::vector<KeyEntry> key_inventory(ks::Token& t);
// Certificates stored on the token (public objects).
std::vector<CertInfo> stored_certificates(ks::Token& t);

// pkcs11: URI (RFC 7512, formatted by p11-kit) of the private key with this label and id on the
// token with this label; `serial` is added when non-empty (duplicate token labels).
std::string format_key_uri(const std::string& token_label, const std::string& serial,
                           const std::string& label, const Bytes& id,
                           const std::string& pin_source = {});

}  // namespace gostcsp::tool
