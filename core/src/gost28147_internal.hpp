// SPDX-License-Identifier: Apache-2.0
// GOST 28147-89 internals shared by the cipher, Magma and the 28147 modes.
#pragma once

#include "feistel_internal.hpp"
#include "gostcsp/gost28147.hpp"

namespace gostcsp::core::detail {

// Loads the S-boxes of a parameter set into core (and prepares them for every implementation).
void gost28147_load_sboxes(Gost28147ParamSet id, FeistelCore& core) noexcept;

}  // namespace gostcsp::core::detail
