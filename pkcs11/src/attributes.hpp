// SPDX-License-Identifier: Apache-2.0
// Attribute policy as data: which attributes each object class has, who may set them, defaults.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "p11_error.hpp"

namespace gostcsp::p11 {

// Object-class bits, so one rule can name several classes.
enum ClassBit : unsigned {
    cls_data = 1u << 0,
    cls_cert = 1u << 1,
    cls_public = 1u << 2,
    cls_private = 1u << 3,
    cls_secret = 1u << 4,
    cls_keys = cls_public | cls_private | cls_secret,
    cls_all = cls_data | cls_cert | cls_keys,
};

enum class AttrKind : std::uint8_t { boolean, ulong, bytes, date };

// What may happen to an attribute (SoftHSM2's P11Attributes flags, PKCS#11 v2.40 §4 tables).
enum AttrFlag : unsigned {
    af_create = 1u << 0,         // may be given in C_CreateObject
    af_generate = 1u << 1,       // may be given in C_GenerateKey(Pair) / C_DeriveKey
    af_modify = 1u << 2,         // may change in C_SetAttributeValue / C_CopyObject
    af_required = 1u << 3,       // must be given in C_CreateObject
    af_sensitive = 1u << 4,      // unreadable while the key is sensitive or unextractable
    af_only_to_true = 1u << 5,   // may change only from CK_FALSE to CK_TRUE (CKA_SENSITIVE)
    af_only_to_false = 1u << 6,  // may change only from CK_TRUE to CK_FALSE (CKA_EXTRACTABLE)
    af_so_only = 1u << 7,        // only the SO may set it to CK_TRUE (CKA_TRUSTED)
    af_copy_to_false = 1u << 8,  // C_CopyObject may set it to CK_FALSE only (CKA_MODIFIABLE...)
    af_copy = 1u << 9,           // may be given in C_CopyObject although not modifiable (CKA_TOKEN)
};

struct AttrRule {
    CK_ATTRIBUTE_TYPE type;
    std::string_view name;
    AttrKind kind;
    unsigned classes;  // ClassBit mask
    unsigned flags;    // AttrFlag mask
};

// The whole table (a test walks it).
std::span<const AttrRule> attribute_rules() noexcept;
// nullptr when the type is unknown to gostcsp.
const AttrRule* find_attr_rule(CK_ATTRIBUTE_TYPE type) noexcept;
// Throws CKR_ATTRIBUTE_VALUE_INVALID for a class gostcsp does not store.
unsigned class_bit(CK_OBJECT_CLASS cls);

// Where a template comes from; decides which attributes it may carry.
enum class TemplateUse : std::uint8_t { create, generate, copy, modify };

// Reads an application template into a map, checking each attribute against the table for the
// object's class: unknown or foreign type → CKR_ATTRIBUTE_TYPE_INVALID, bad size or value →
// CKR_ATTRIBUTE_VALUE_INVALID, not settable here → CKR_ATTRIBUTE_READ_ONLY, the same type twice
// with different values → CKR_TEMPLATE_INCONSISTENT.
AttrMap parse_template(const CK_ATTRIBUTE* tmpl, CK_ULONG count, unsigned cls_bit, TemplateUse use);
// Fills the defaults of a class (and key type) for every attribute the map lacks.
void add_defaults(AttrMap& attrs, unsigned cls_bit);
// CKR_TEMPLATE_INCOMPLETE when a required attribute is missing.
void check_required(const AttrMap& attrs, unsigned cls_bit);

// Typed reads of stored values; throw CKR_TEMPLATE_INCONSISTENT when malformed.
bool attr_bool(const AttrMap& attrs, CK_ATTRIBUTE_TYPE type, bool fallback);
CK_ULONG attr_ulong(const AttrMap& attrs, CK_ATTRIBUTE_TYPE type, CK_ULONG fallback);
// Template helpers for values the application passed (nullptr if absent).
const CK_ATTRIBUTE* find_in_template(const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                                     CK_ATTRIBUTE_TYPE type);
// Whether `attrs` matches every attribute of a search template (C_FindObjectsInit semantics).
bool template_matches(const AttrMap& attrs, std::span<const std::pair<CK_ATTRIBUTE_TYPE, Bytes>> t);

}  // namespace gostcsp::p11
