// SPDX-License-Identifier: Apache-2.0
// Reader for the verified vector files in tests/vectors (records of `key = value` lines).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace gostcsp::test {

// One record. Every value a test reads is marked consumed, so a test can assert it used them all
// (as BoringSSL's FileTest does) and a renamed key cannot be silently ignored.
class VectorRecord {
  public:
    explicit VectorRecord(std::map<std::string, std::string> fields) : fields_(std::move(fields)) {}

    bool has(const std::string& key) const { return fields_.count(key) != 0; }
    const std::string& str(const std::string& key) const;
    std::vector<std::uint8_t> bytes(const std::string& key) const;  // hex → bytes, memory order
    unsigned long number(const std::string& key) const;             // decimal
    // Keys present in the file that no accessor has read yet.
    std::vector<std::string> unconsumed() const;
    // Marks keys as deliberately not used by this test (documentation-only fields).
    void ignore(std::initializer_list<const char*> keys) const;
    const std::string& name() const { return str("name"); }

  private:
    std::map<std::string, std::string> fields_;
    mutable std::set<std::string> consumed_;
};

// Directory holding the vector files (GOSTCSP_VECTORS_DIR at build time).
std::string vectors_dir();
// Loads every record of `file` (e.g. "streebog.txt"); throws std::runtime_error when missing.
std::vector<VectorRecord> load_vectors(const std::string& file);

std::vector<std::uint8_t> from_hex(const std::string& hex);
std::string to_hex(const std::uint8_t* data, std::size_t len);
template <class C>
std::string to_hex(const C& c) {
    return to_hex(c.data(), c.size());
}

}  // namespace gostcsp::test
