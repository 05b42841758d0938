// SPDX-License-Identifier: Apache-2.0
// Locking policy of PKCS#11 v2.40 §5.4 (C_Initialize's four threading cases).
#include "locking.hpp"

namespace gostcsp::p11 {

Locking::Locking(const CK_C_INITIALIZE_ARGS* args) noexcept {
    if (args == nullptr || args->CreateMutex == nullptr) return;
    if ((args->flags & CKF_OS_LOCKING_OK) != 0) return;  // case 4: we may choose; OS is simpler
    app_ = true;
    create_ = args->CreateMutex;
    destroy_ = args->DestroyMutex;
    lock_ = args->LockMutex;
    unlock_ = args->UnlockMutex;
}

Locking::Mutex::Mutex(const Locking& how) : how_(&how) {
    if (!how.app_) return;
    CK_RV rv = how.create_(&app_mutex_);
    if (rv != CKR_OK) fail(rv == CKR_HOST_MEMORY ? CKR_HOST_MEMORY : CKR_GENERAL_ERROR);
}

Locking::Mutex::~Mutex() {
    if (app_mutex_ != nullptr) how_->destroy_(app_mutex_);
}

void Locking::Mutex::lock() {
    if (!how_->app_) {
        os_.lock();
        return;
    }
    if (how_->lock_(app_mutex_) != CKR_OK) fail(CKR_GENERAL_ERROR);
}

void Locking::Mutex::unlock() noexcept {
    if (!how_->app_) {
        os_.unlock();
        return;
    }
    how_->unlock_(app_mutex_);
}

}  // namespace gostcsp::p11
