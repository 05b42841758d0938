// SPDX-License-Identifier: Apache-2.0
// Test helper: every implementation of the GOST block ciphers, built by name, so a test runs the
// same check on every code path (as the Streebog tests do).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gostcsp/gost28147.hpp"
#include "gostcsp/kuznyechik.hpp"
#include "gostcsp/magma.hpp"

namespace gostcsp::test {

struct CipherPath {
    std::string cipher;  // "kuznyechik" | "magma"
    std::string impl;    // the implementation's name
    core::KuznyechikImpl kuz = core::KuznyechikImpl::automatic;
    core::MagmaImpl magma = core::MagmaImpl::automatic;

    std::unique_ptr<core::BlockCipher> make() const {
        if (cipher == "kuznyechik") return std::make_unique<core::Kuznyechik>(kuz);
        return std::make_unique<core::Magma>(magma);
    }
    std::string label() const { return cipher + "_" + impl; }
};

// Every implementation this CPU supports, of both 34.12 ciphers (or of one, by name).
inline std::vector<CipherPath> all_cipher_paths(const std::string& only = "") {
    std::vector<CipherPath> v;
    if (only.empty() || only == "kuznyechik")
        for (auto i : {core::KuznyechikImpl::portable, core::KuznyechikImpl::ssse3,
                       core::KuznyechikImpl::avx2, core::KuznyechikImpl::avx512_gfni,
                       core::KuznyechikImpl::table_vartime})
            if (core::kuznyechik_impl_supported(i))
                v.push_back({"kuznyechik", std::string(core::kuznyechik_impl_name(i)), i, {}});
    if (only.empty() || only == "magma")
        for (auto i : {core::MagmaImpl::portable, core::MagmaImpl::ssse3, core::MagmaImpl::avx2,
                       core::MagmaImpl::avx512})
            if (core::magma_impl_supported(i))
                v.push_back({"magma", std::string(core::magma_impl_name(i)), {}, i});
    return v;
}

// Every Magma implementation (the GOST 28147-89 paths are the same Feistel code).
inline std::vector<core::MagmaImpl> all_feistel_impls() {
    std::vector<core::MagmaImpl> v;
    for (auto i : {core::MagmaImpl::portable, core::MagmaImpl::ssse3, core::MagmaImpl::avx2,
                   core::MagmaImpl::avx512})
        if (core::magma_impl_supported(i)) v.push_back(i);
    return v;
}

}  // namespace gostcsp::test
