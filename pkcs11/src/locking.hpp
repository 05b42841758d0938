// SPDX-License-Identifier: Apache-2.0
// Mutexes chosen at C_Initialize: OS locking (std::mutex) or the application's callbacks.
#pragma once

#include <memory>
#include <mutex>

#include "p11_error.hpp"

namespace gostcsp::p11 {

// How the module locks, fixed by C_Initialize's CK_C_INITIALIZE_ARGS.
class Locking {
  public:
    Locking() noexcept = default;  // OS locking
    // Uses the application's CreateMutex/DestroyMutex/LockMutex/UnlockMutex when it gives them
    // without CKF_OS_LOCKING_OK (PKCS#11 v2.40 §5.4 case 3); OS locking otherwise.
    explicit Locking(const CK_C_INITIALIZE_ARGS* args) noexcept;
    bool uses_app_callbacks() const noexcept { return app_; }

    // A BasicLockable mutex of the chosen kind.
    class Mutex {
      public:
        explicit Mutex(const Locking& how);
        ~Mutex();
        Mutex(const Mutex&) = delete;
        Mutex& operator=(const Mutex&) = delete;
        void lock();
        void unlock() noexcept;

      private:
        const Locking* how_;
        std::mutex os_;
        void* app_mutex_ = nullptr;
    };

  private:
    bool app_ = false;
    CK_CREATEMUTEX create_ = nullptr;
    CK_DESTROYMUTEX destroy_ = nullptr;
    CK_LOCKMUTEX lock_ = nullptr;
    CK_UNLOCKMUTEX unlock_ = nullptr;
};

using Guard = std::lock_guard<Locking::Mutex>;

}  // namespace gostcsp::p11
