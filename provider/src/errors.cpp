// SPDX-License-Identifier: Apache-2.0
// Provider error reasons: text table, raising through core upcalls, core::Status mapping.
#include "errors.hpp"

#include <cstdarg>

namespace gostcsp::prov {

namespace {

template <Reason R>
constexpr OSSL_ITEM item(const char* text) {
    return OSSL_ITEM{static_cast<unsigned int>(R), const_cast<char*>(text)};
}

const OSSL_ITEM reason_table[] = {
    item<Reason::internal_error>("internal error"),
    item<Reason::wrong_length>("wrong length"),
    item<Reason::unknown_param_set>("unknown GOST parameter set"),
    // d outside 0 < d < q (e.g. RFC 9215's tc26-256-A example key, d >= q): gost-engine and pygost
    // reduce it mod q; gostcsp refuses it, and says why.
    item<Reason::invalid_private_key>(
        "invalid GOST private key (the scalar must be 0 < d < q; d >= q is refused, not reduced)"),
    item<Reason::invalid_public_key>("invalid GOST public key"),
    item<Reason::invalid_signature>("invalid signature"),
    item<Reason::invalid_ukm>("invalid UKM"),
    item<Reason::param_set_mismatch>("keys use different parameter sets"),
    item<Reason::rng_failure>("random generator failure"),
    item<Reason::out_of_memory>("out of memory"),
    item<Reason::missing_key>("no key set"),
    item<Reason::missing_private_key>("private key required"),
    item<Reason::missing_peer_key>("no peer key set"),
    item<Reason::missing_ukm>("no UKM set"),
    item<Reason::digest_not_allowed>("digest not allowed for this key"),
    item<Reason::wrong_digest_length>("wrong digest length"),
    item<Reason::wrong_signature_length>("wrong signature length"),
    item<Reason::bad_encoding>("bad key encoding"),
    item<Reason::wrong_key_type>("wrong key type"),
    item<Reason::buffer_too_small>("output buffer too small"),
    item<Reason::cipher_not_found>("cipher not found"),
    item<Reason::passphrase_failed>("could not get passphrase"),
    item<Reason::encoding_failed>("encoding failed"),
    item<Reason::operation_not_initialised>("operation not initialised"),
    item<Reason::bad_parameter>("bad parameter value"),
    item<Reason::auth_failed>("authentication failed"),
    item<Reason::limit_exceeded>("data limit of the mode exceeded"),
    item<Reason::token_pin_expired>("token PIN must be changed"),
    item<Reason::token_pin_incorrect>("token PIN incorrect"),
    item<Reason::token_pin_locked>("token PIN locked"),
    item<Reason::token_key_not_found>("key not found on token"),
    item<Reason::token_error>("token operation failed"),
    item<Reason::token_login_required>("token login required"),
    item<Reason::token_module>("PKCS#11 module error"),
    item<Reason::bad_uri>("bad pkcs11 URI"),
    item<Reason::token_not_found>("token not found"),
    item<Reason::foreign_engine>("another engine owns GOST keys in this process"),
    OSSL_ITEM{0, nullptr},
};

}  // namespace

const OSSL_ITEM* reason_strings() noexcept {
    return reason_table;
}

void raise_error(const ProvCtx* ctx, Reason reason, const char* file, int line, const char* func,
                 const char* fmt, ...) noexcept {
    if (ctx == nullptr || ctx->core_new_error == nullptr) return;
    ctx->core_new_error(ctx->handle);
    if (ctx->core_set_error_debug != nullptr)
        ctx->core_set_error_debug(ctx->handle, file, line, func);
    if (ctx->core_vset_error == nullptr) return;
    va_list args;
    va_start(args, fmt);
    ctx->core_vset_error(ctx->handle, static_cast<std::uint32_t>(reason), fmt, args);
    va_end(args);
}

Reason reason_for(core::Status s) noexcept {
    switch (s) {
        case core::Status::ok:
            return Reason::internal_error;
        case core::Status::bad_length:
            return Reason::wrong_length;
        case core::Status::unknown_param_set:
            return Reason::unknown_param_set;
        case core::Status::invalid_private_key:
            return Reason::invalid_private_key;
        case core::Status::invalid_public_key:
            return Reason::invalid_public_key;
        case core::Status::invalid_signature:
            return Reason::invalid_signature;
        case core::Status::invalid_ukm:
            return Reason::invalid_ukm;
        case core::Status::param_set_mismatch:
            return Reason::param_set_mismatch;
        case core::Status::rng_failure:
            return Reason::rng_failure;
        case core::Status::auth_failed:
            return Reason::auth_failed;
        case core::Status::limit_exceeded:
            return Reason::limit_exceeded;
        case core::Status::bad_state:
            return Reason::operation_not_initialised;
    }
    return Reason::internal_error;
}

}  // namespace gostcsp::prov
