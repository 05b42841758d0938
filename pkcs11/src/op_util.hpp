// SPDX-License-Identifier: Apache-2.0
// Output-buffer and operation-lifetime rules shared by every C_* call that returns bytes
// (PKCS#11 v2.40 §5.2: a length query or CKR_BUFFER_TOO_SMALL keeps the operation; any other
// end of the call finishes it).
#pragma once

#include <optional>

#include "module.hpp"

namespace gostcsp::p11 {

// Length query / short buffer handling shared by every call that returns bytes. Returns true
// when the caller should go on and produce the output.
inline bool output_ready(CK_BYTE* out, CK_ULONG* out_len, std::size_t need) {
    if (out == nullptr) {
        *out_len = need;
        return false;
    }
    if (*out_len < need) {
        *out_len = need;
        throw P11Error(CKR_BUFFER_TOO_SMALL);
    }
    return true;
}

// Ends an operation on every exit except a length query or CKR_BUFFER_TOO_SMALL.
class OpScope {
  public:
    explicit OpScope(std::optional<Operation>& op) : op_(op) {}
    ~OpScope() {
        if (!keep_) op_.reset();
    }
    void keep() { keep_ = true; }
    OpScope(const OpScope&) = delete;
    OpScope& operator=(const OpScope&) = delete;

  private:
    std::optional<Operation>& op_;
    bool keep_ = false;
};

template <class F>
void run_keeping_on_short_buffer(OpScope& scope, F&& f) {
    try {
        if (!f()) scope.keep();  // length query
    } catch (const P11Error& e) {
        if (e.rv() == CKR_BUFFER_TOO_SMALL) scope.keep();
        throw;
    }
}

}  // namespace gostcsp::p11
