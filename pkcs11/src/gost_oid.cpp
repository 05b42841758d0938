// SPDX-License-Identifier: Apache-2.0
// DER OID codec (X.690 §8.19) for the GOST parameter-set attributes.
#include "gost_oid.hpp"

#include <charconv>
#include <vector>

namespace gostcsp::p11 {

Bytes oid_to_der(std::string_view dotted) {
    std::vector<unsigned long> arcs;
    std::size_t pos = 0;
    while (pos <= dotted.size()) {
        std::size_t end = dotted.find('.', pos);
        if (end == std::string_view::npos) end = dotted.size();
        unsigned long v = 0;
        auto [p, ec] = std::from_chars(dotted.data() + pos, dotted.data() + end, v);
        if (ec != std::errc{} || p != dotted.data() + end || end == pos) return {};
        arcs.push_back(v);
        pos = end + 1;
    }
    if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39)) return {};
    Bytes body;
    auto put = [&](unsigned long v) {
        std::uint8_t tmp[10];
        int n = 0;
        do {
            tmp[n++] = static_cast<std::uint8_t>(v & 0x7f);
            v >>= 7;
        } while (v != 0);
        while (n > 0) {
            --n;
            body.push_back(static_cast<std::uint8_t>(tmp[n] | (n > 0 ? 0x80 : 0)));
        }
    };
    put(arcs[0] * 40 + arcs[1]);
    for (std::size_t i = 2; i < arcs.size(); ++i) put(arcs[i]);
    if (body.size() > 127) return {};
    Bytes der{0x06, static_cast<std::uint8_t>(body.size())};
    der.insert(der.end(), body.begin(), body.end());
    return der;
}

std::optional<std::string> der_to_oid(const std::uint8_t* der, std::size_t len) {
    if (der == nullptr || len < 3 || der[0] != 0x06 || der[1] > 127 ||
        static_cast<std::size_t>(der[1]) + 2 != len)
        return std::nullopt;
    std::string out;
    unsigned long v = 0;
    bool first = true;
    for (std::size_t i = 2; i < len; ++i) {
        if (v == 0 && der[i] == 0x80) return std::nullopt;  // non-minimal
        if (v > (~0UL >> 8)) return std::nullopt;
        v = (v << 7) | (der[i] & 0x7f);
        if ((der[i] & 0x80) != 0) {
            if (i + 1 == len) return std::nullopt;
            continue;
        }
        if (first) {
            unsigned long a = v < 80 ? v / 40 : 2;
            out = std::to_string(a) + "." + std::to_string(v - a * 40);
            first = false;
        } else {
            out += "." + std::to_string(v);
        }
        v = 0;
    }
    return out;
}

std::optional<core::ParamSet> param_set_from_der(const Bytes& der) {
    auto dotted = der_to_oid(der.data(), der.size());
    if (!dotted) return std::nullopt;
    return core::param_set_from_oid(*dotted);
}

Bytes param_set_der(core::ParamSet set) {
    return oid_to_der(core::param_set_info(set).oid);
}

Bytes digest_oid_der(unsigned bits) {
    return oid_to_der(bits == 512 ? "1.2.643.7.1.1.2.3" : "1.2.643.7.1.1.2.2");
}

}  // namespace gostcsp::p11
