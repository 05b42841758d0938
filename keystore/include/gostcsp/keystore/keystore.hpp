// SPDX-License-Identifier: Apache-2.0
// Umbrella header for the encrypted soft keystore (gostcsp::keystore).
#pragma once

#include "gostcsp/keystore/config.hpp"
#include "gostcsp/keystore/secure_memory.hpp"
#include "gostcsp/keystore/status.hpp"
#include "gostcsp/keystore/token.hpp"
