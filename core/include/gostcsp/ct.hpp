// SPDX-License-Identifier: Apache-2.0
// Constant-time checking hooks (valgrind/memcheck client requests, as Botan's CT::poison).
//
// The constant-time job (tests/ct/) runs code under memcheck with secrets marked undefined
// ("poisoned"): memcheck then reports every branch and every memory address computed from them.
// Values that are public by design but computed from secrets (a rejection-sampling verdict, the
// r = 0 / s = 0 retry, an output handed to the caller) are "declassified" here, at the point where
// they become public, so the same normal build is the one checked.
//
// The client requests are a few no-op instructions outside valgrind (a rotate sequence the CPU
// executes as nothing); every build compiles them in. Without Debian's valgrind headers they
// compile to nothing.
#pragma once

#include <cstddef>
#include <type_traits>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define GOSTCSP_CT_HAVE_VALGRIND 1
#endif
#endif

namespace gostcsp::ct {

// Marks `len` bytes at `p` as secret: memcheck reports branches and indices derived from them.
inline void poison(const volatile void* p, std::size_t len) noexcept {
#if defined(GOSTCSP_CT_HAVE_VALGRIND)
    (void)VALGRIND_MAKE_MEM_UNDEFINED(p, len);
#else
    (void)p;
    (void)len;
#endif
}

// Marks `len` bytes at `p` as public again (the value itself is unchanged).
inline void unpoison(const volatile void* p, std::size_t len) noexcept {
#if defined(GOSTCSP_CT_HAVE_VALGRIND)
    (void)VALGRIND_MAKE_MEM_DEFINED(p, len);
#else
    (void)p;
    (void)len;
#endif
}

template <class T>
inline void poison(const T& v) noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    poison(&v, sizeof v);
}
template <class T>
inline void unpoison(const T& v) noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    unpoison(&v, sizeof v);
}

// Returns `v` marked public: for a decision that is public by design though computed from
// secrets. Each call site says why its value may be revealed.
template <class T>
[[nodiscard]] inline T declassify(T v) noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    unpoison(&v, sizeof v);
    return v;
}

// True when running under valgrind (the CT driver refuses to run a check that cannot fail).
inline bool running_under_valgrind() noexcept {
#if defined(GOSTCSP_CT_HAVE_VALGRIND)
    return RUNNING_ON_VALGRIND != 0;
#else
    return false;
#endif
}

// True when the client requests are compiled in (Debian's valgrind headers were found).
constexpr bool checks_compiled_in() noexcept {
#if defined(GOSTCSP_CT_HAVE_VALGRIND)
    return true;
#else
    return false;
#endif
}

}  // namespace gostcsp::ct
