// SPDX-License-Identifier: Apache-2.0
// Human-readable text for core::Status.
#include "gostcsp/status.hpp"

namespace gostcsp::core {

std::string_view status_message(Status s) noexcept {
    switch (s) {
        case Status::ok:
            return "ok";
        case Status::bad_length:
            return "wrong length";
        case Status::unknown_param_set:
            return "unknown parameter set";
        case Status::invalid_private_key:
            return "invalid private key";
        case Status::invalid_public_key:
            return "invalid public key";
        case Status::invalid_signature:
            return "invalid signature";
        case Status::invalid_ukm:
            return "invalid UKM";
        case Status::param_set_mismatch:
            return "parameter sets differ";
        case Status::rng_failure:
            return "random generator failure";
        case Status::auth_failed:
            return "authentication failed";
        case Status::limit_exceeded:
            return "data limit exceeded";
        case Status::bad_state:
            return "operation not started or already finished";
    }
    return "unknown status";
}

}  // namespace gostcsp::core
