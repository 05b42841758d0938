// SPDX-License-Identifier: Apache-2.0
// Parser for tests/vectors/*.txt.
#include "vector_file.hpp"

#include <cstdlib>
#include <fstream>

namespace gostcsp::test {

namespace {
std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}
}  // namespace

const std::string& VectorRecord::str(const std::string& key) const {
    auto it = fields_.find(key);
    if (it == fields_.end()) throw std::runtime_error("vector record lacks key '" + key + "'");
    consumed_.insert(key);
    return it->second;
}

std::vector<std::uint8_t> VectorRecord::bytes(const std::string& key) const {
    return from_hex(str(key));
}

unsigned long VectorRecord::number(const std::string& key) const {
    return std::stoul(str(key), nullptr, 10);
}

std::vector<std::string> VectorRecord::unconsumed() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : fields_)
        if (!consumed_.count(k)) out.push_back(k);
    return out;
}

void VectorRecord::ignore(std::initializer_list<const char*> keys) const {
    for (const char* k : keys) consumed_.insert(k);
}

std::string vectors_dir() {
    if (const char* env = std::getenv("GOSTCSP_VECTORS_DIR")) return env;
    return GOSTCSP_VECTORS_DIR;
}

std::vector<VectorRecord> load_vectors(const std::string& file) {
    const std::string path = vectors_dir() + "/" + file;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open vector file " + path);
    std::vector<VectorRecord> records;
    std::map<std::string, std::string> current;
    auto flush = [&] {
        if (!current.empty()) records.emplace_back(std::move(current));
        current.clear();
    };
    std::string line;
    while (std::getline(in, line)) {
        const std::string t = trim(line);
        if (t.empty()) {
            flush();
            continue;
        }
        if (t[0] == '#') continue;
        const auto eq = t.find('=');
        if (eq == std::string::npos) throw std::runtime_error(path + ": malformed line: " + t);
        current[trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
    }
    flush();
    if (records.empty()) throw std::runtime_error(path + ": no records");
    return records;
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
    if (hex.size() % 2) throw std::runtime_error("odd-length hex: " + hex);
    auto nibble = [&](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        throw std::runtime_error("bad hex digit in: " + hex);
    };
    std::vector<std::uint8_t> out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return out;
}

std::string to_hex(const std::uint8_t* data, std::size_t len) {
    static const char digits[] = "0123456789abcdef";
    std::string s(2 * len, '0');
    for (std::size_t i = 0; i < len; ++i) {
        s[2 * i] = digits[data[i] >> 4];
        s[2 * i + 1] = digits[data[i] & 15];
    }
    return s;
}

}  // namespace gostcsp::test
