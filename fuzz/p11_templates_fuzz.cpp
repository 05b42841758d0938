// SPDX-License-Identifier: Apache-2.0
// libFuzzer: PKCS#11 templates and mechanism parameters through the module's C ABI
// (pkcs11/src/entry.cpp linked in, as an application calls it). One test token per process
// (test_token, kdf_iterations = 10, factory PINs allowed), a user session logged in, a few fixed
// objects (GOST key pairs 256/512 with CKA_DERIVE, a data object). Each input is a short program:
// C_CreateObject, C_GenerateKeyPair, C_FindObjectsInit/C_FindObjects, C_SetAttributeValue,
// C_GetAttributeValue, C_CopyObject, C_DeriveKey (CK_GOSTR3410_DERIVE_PARAMS / KEG parameters,
// peer keys valid or not), with templates whose types, lengths and values come from the input.
// Every pointer handed to the module is valid for the length given with it (a C ABI cannot check
// more); anything else is fair game. Invariants: no crash or sanitizer report, every CK_RV is
// a PKCS#11 value, C_GetAttributeValue never reports more than it wrote for a buffer it was given.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "attributes.hpp"
#include "gostcsp/p11/gost_pkcs11.h"
#include "mechanisms.hpp"

extern "C" CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr const char* so_pin = "5927461830";
constexpr const char* user_pin = "7391846205";
// Objects left behind (CKA_DESTROYABLE = false, failed destroys) before the token is re-made.
constexpr unsigned max_leftovers = 200;

Bytes hex(const char* h) {
    Bytes b;
    for (; h[0] != 0 && h[1] != 0; h += 2)
        b.push_back(static_cast<std::uint8_t>(std::stoul(std::string(h, 2), nullptr, 16)));
    return b;
}

// DER OIDs: parameter sets (valid, alias, unknown) and digests, some truncated by the reader.
const std::vector<Bytes>& oids() {
    static const std::vector<Bytes> v = {
        hex("06092a8503070102010101"), hex("06092a8503070102010102"), hex("06092a8503070102010103"),
        hex("06092a8503070102010104"), hex("06072a850302022301"),     hex("06072a850302022300"),
        hex("06072a850302022400"),     hex("06092a8503070102010201"), hex("06092a8503070102010202"),
        hex("06092a8503070102010203"), hex("06092a8503070102010200"), hex("06082a85030701010202"),
        hex("06082a85030701010203"),   hex("06072a85030202"),         hex("0600"),
        hex("06092a86488ce63d030107"), hex("0609ffffffffffffffffff"),
    };
    return v;
}

struct Fixture {
    CK_FUNCTION_LIST* f = nullptr;
    std::filesystem::path dir;
    CK_SLOT_ID slot = 0;
    CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE priv256 = 0, priv512 = 0, pub256 = 0, data = 0;
    Bytes peer256, peer512;  // valid public keys X||Y (of other key pairs)
    unsigned leftovers = 0;
};

[[noreturn]] void die(const char* what, CK_RV rv) {
    std::fprintf(stderr, "fuzz_p11_templates setup: %s: 0x%lx\n", what, rv);
    std::abort();
}
void must(CK_RV rv, const char* what) {
    if (rv != CKR_OK) die(what, rv);
}

CK_UTF8CHAR_PTR u8(const char* s) {
    return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(s));
}

void generate(Fixture& x, bool is512, CK_OBJECT_HANDLE& pub, CK_OBJECT_HANDLE& priv) {
    CK_MECHANISM m{is512 ? CKM_GOSTR3410_512_KEY_PAIR_GEN : CKM_GOSTR3410_KEY_PAIR_GEN, nullptr, 0};
    const Bytes& oid = oids()[is512 ? 7 : 0];
    CK_BBOOL t = CK_TRUE;
    CK_ATTRIBUTE pt[] = {{CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(oid.data()), oid.size()},
                         {CKA_TOKEN, &t, 1}};
    CK_ATTRIBUTE kt[] = {{CKA_TOKEN, &t, 1}, {CKA_DERIVE, &t, 1}, {CKA_SIGN, &t, 1}};
    must(x.f->C_GenerateKeyPair(x.session, &m, pt, 2, kt, 3, &pub, &priv), "C_GenerateKeyPair");
}

Bytes public_value(Fixture& x, CK_OBJECT_HANDLE pub) {
    Bytes v(128);
    CK_ATTRIBUTE a{CKA_VALUE, v.data(), v.size()};
    must(x.f->C_GetAttributeValue(x.session, pub, &a, 1), "C_GetAttributeValue");
    v.resize(a.ulValueLen);
    return v;
}

// A fresh token: initialised, user PIN set, user logged in, the fixed objects made.
void make_token(Fixture& x) {
    if (x.session != CK_INVALID_HANDLE) x.f->C_CloseAllSessions(x.slot);
    CK_UTF8CHAR label[32];
    std::memset(label, ' ', sizeof label);
    std::memcpy(label, "fuzz", 4);
    must(x.f->C_InitToken(x.slot, u8(so_pin), std::strlen(so_pin), label), "C_InitToken");
    must(x.f->C_OpenSession(x.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                            &x.session),
         "C_OpenSession");
    must(x.f->C_Login(x.session, CKU_SO, u8(so_pin), std::strlen(so_pin)), "C_Login SO");
    must(x.f->C_InitPIN(x.session, u8(user_pin), std::strlen(user_pin)), "C_InitPIN");
    must(x.f->C_Logout(x.session), "C_Logout");
    must(x.f->C_Login(x.session, CKU_USER, u8(user_pin), std::strlen(user_pin)), "C_Login");
    CK_OBJECT_HANDLE p = 0, k = 0;
    generate(x, false, x.pub256, x.priv256);
    generate(x, true, p, x.priv512);
    generate(x, false, p, k);
    x.peer256 = public_value(x, p);
    generate(x, true, p, k);
    x.peer512 = public_value(x, p);
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL t = CK_TRUE;
    CK_ATTRIBUTE dt[] = {
        {CKA_CLASS, &cls, sizeof cls}, {CKA_TOKEN, &t, 1}, {CKA_VALUE, u8("v"), 1}};
    must(x.f->C_CreateObject(x.session, dt, 3, &x.data), "C_CreateObject");
    x.leftovers = 0;
}

Fixture& fixture() {
    static Fixture x = [] {
        Fixture s;
        // GOSTCSP_FUZZ_TMP (fuzz_smoke.sh: its scratch directory, removed after the run; libFuzzer
        // ends without atexit handlers), else /dev/shm, else the temporary directory.
        const char* shm = "/dev/shm";
        const char* env = std::getenv("GOSTCSP_FUZZ_TMP");
        std::string tmpl = (env != nullptr && *env != 0    ? std::filesystem::path(env)
                            : std::filesystem::exists(shm) ? std::filesystem::path(shm)
                                                           : std::filesystem::temp_directory_path())
                               .string() +
                           "/gostcsp-fuzz-p11-XXXXXX";
        if (mkdtemp(tmpl.data()) == nullptr) std::abort();
        s.dir = tmpl;
        std::ofstream(s.dir / "gostcsp.conf")
            << "token_dir = " << (s.dir / "tokens").string()
            << "\ntest_token = true\nkdf_iterations = 10\nallow_factory_pins = true\n"
               "user_max_retries = 1000\nso_max_retries = 1000\nlog_level = error\n";
        setenv("GOSTCSP_CONF", (s.dir / "gostcsp.conf").c_str(), 1);
        unsetenv("GOSTCSP_TOKEN_DIR");
        must(C_GetFunctionList(&s.f), "C_GetFunctionList");
        must(s.f->C_Initialize(nullptr), "C_Initialize");
        CK_SLOT_ID slots[8];
        CK_ULONG n = 8;
        must(s.f->C_GetSlotList(CK_FALSE, slots, &n), "C_GetSlotList");
        if (n == 0) die("no slot", 0);
        s.slot = slots[0];
        make_token(s);
        std::atexit([] {
            Fixture& y = fixture();
            y.f->C_Finalize(nullptr);
            std::error_code ec;
            std::filesystem::remove_all(y.dir, ec);
        });
        return s;
    }();
    return x;
}

// Reads the input; past its end every read yields zeros.
class Reader {
  public:
    Reader(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
    bool empty() const { return n_ == 0; }
    std::uint8_t u8() {
        if (n_ == 0) return 0;
        --n_;
        return *d_++;
    }
    std::uint32_t u32() {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v = v << 8 | u8();
        return v;
    }
    Bytes bytes(std::size_t len) {
        len = std::min(len, n_);
        Bytes b(d_, d_ + len);
        d_ += len;
        n_ -= len;
        return b;
    }

  private:
    const std::uint8_t* d_;
    std::size_t n_;
};

// One input's state: buffers that must outlive the calls, objects made by this input.
struct Program {
    Fixture& x;
    Reader in;
    std::deque<Bytes> keep;
    std::deque<CK_ULONG> ulongs;
    std::deque<CK_BBOOL> bools;
    std::vector<CK_OBJECT_HANDLE> made;

    std::uint8_t* hold(Bytes b) {
        keep.push_back(std::move(b));
        if (keep.back().empty()) keep.back().reserve(1);
        return keep.back().data();
    }

    CK_ATTRIBUTE_TYPE attr_type() {
        static const auto rules = gostcsp::p11::attribute_rules();
        const std::uint8_t k = in.u8();
        if (k < 0xe0) return rules[k % rules.size()].type;
        if (k < 0xf0) return CKA_VENDOR_DEFINED | in.u32();
        return in.u32();
    }

    CK_ULONG interesting_ulong() {
        static const CK_ULONG v[] = {
            0,
            1,
            2,
            3,
            4,
            8,
            16,
            32,
            64,
            128,
            256,
            512,
            CKO_DATA,
            CKO_CERTIFICATE,
            CKO_PUBLIC_KEY,
            CKO_PRIVATE_KEY,
            CKO_SECRET_KEY,
            CKO_VENDOR_DEFINED,
            CKK_GOSTR3410,
            CKK_GOSTR3411,
            CKK_GOST28147,
            CKK_GENERIC_SECRET,
            CKK_VENDOR_DEFINED | 0x54321003UL,
            0xD4321003UL,
            CKC_X_509,
            CKC_X_509_ATTR_CERT,
            ~CK_ULONG{0},
            0x7fffffffUL,
            0x80000000UL,
        };
        const std::uint8_t k = in.u8();
        if (k < 0xf0) return v[k % (sizeof v / sizeof v[0])];
        return static_cast<CK_ULONG>(in.u32()) << (in.u8() & 32);
    }

    // Fills one attribute: pValue is nullptr or valid for ulValueLen bytes.
    CK_ATTRIBUTE attribute() {
        CK_ATTRIBUTE a{attr_type(), nullptr, 0};
        switch (in.u8() % 9) {
            case 0:  // no buffer, a length anyway
                a.ulValueLen = in.u8() % 3 == 0 ? in.u32() : in.u8();
                break;
            case 1:
            case 2: {
                bools.push_back(in.u8() % 4 == 3 ? in.u8() : (in.u8() & 1));
                a.pValue = &bools.back();
                a.ulValueLen = 1;
                break;
            }
            case 3:
            case 4:
                ulongs.push_back(interesting_ulong());
                a.pValue = &ulongs.back();
                a.ulValueLen = sizeof(CK_ULONG);
                break;
            case 5: {
                Bytes b = in.bytes(in.u8());
                a.ulValueLen = b.size();
                a.pValue = hold(std::move(b));
                break;
            }
            case 6: {
                Bytes b = oids()[in.u8() % oids().size()];
                if (in.u8() % 4 == 0) b.resize(in.u8() % (b.size() + 1));
                a.ulValueLen = b.size();
                a.pValue = hold(std::move(b));
                break;
            }
            case 7: {  // a short integer or an odd size
                Bytes b(in.u8() % 9);
                for (auto& c : b) c = in.u8();
                a.ulValueLen = b.size();
                a.pValue = hold(std::move(b));
                break;
            }
            default:  // an empty, non-null value
                a.pValue = hold(Bytes{});
                break;
        }
        return a;
    }

    std::vector<CK_ATTRIBUTE> tmpl() {
        std::vector<CK_ATTRIBUTE> t(in.u8() % 10);
        for (auto& a : t) a = attribute();
        return t;
    }

    CK_ATTRIBUTE* ptr(std::vector<CK_ATTRIBUTE>& t) {
        // An empty template as nullptr or as a valid pointer, both legal with count 0.
        return t.empty() && in.u8() % 2 == 0 ? nullptr : t.data();
    }

    CK_OBJECT_HANDLE object() {
        const std::uint8_t k = in.u8();
        switch (k % 8) {
            case 0:
                return x.priv256;
            case 1:
                return x.priv512;
            case 2:
                return x.pub256;
            case 3:
                return x.data;
            case 4:
            case 5:
                return made.empty() ? x.data : made[in.u8() % made.size()];
            case 6:
                return in.u32();
            default:
                return CK_INVALID_HANDLE;
        }
    }
    // An object this input may change: one it made, or a copy of a fixed one.
    CK_OBJECT_HANDLE scratch() {
        if (!made.empty() && in.u8() % 4 != 0) return made[in.u8() % made.size()];
        const CK_OBJECT_HANDLE base[] = {x.priv256, x.pub256, x.data};
        CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
        CK_BBOOL f = CK_FALSE;
        CK_ATTRIBUTE session_only{CKA_TOKEN, &f, 1};
        if (x.f->C_CopyObject(x.session, base[in.u8() % 3], &session_only, 1, &h) == CKR_OK)
            made.push_back(h);
        return h;
    }

    void check_rv(CK_RV rv) {
        // Standard values stay below CKR_VENDOR_DEFINED; the module defines none of its own.
        if (rv >= CKR_VENDOR_DEFINED) std::abort();
    }

    CK_MECHANISM mechanism(bool derive) {
        CK_MECHANISM m{};
        static const auto table = gostcsp::p11::mechanism_table();
        const std::uint8_t k = in.u8();
        m.mechanism = k < 0xf0 ? table[k % table.size()].type : in.u32();
        if (derive && k % 3 != 0) m.mechanism = k % 3 == 1 ? CKM_GOSTR3410_12_DERIVE : CKM_GOST_KEG;
        const std::uint8_t p = in.u8() % 6;
        auto peer = [&](CK_ULONG& len) -> CK_BYTE_PTR {
            switch (in.u8() % 5) {
                case 0:
                    len = x.peer256.size();
                    return x.peer256.data();
                case 1:
                    len = x.peer512.size();
                    return x.peer512.data();
                case 2: {
                    Bytes b = in.bytes(in.u8());
                    len = b.size();
                    return hold(std::move(b));
                }
                case 3: {  // a valid key, one byte changed
                    Bytes b = in.u8() % 2 ? x.peer256 : x.peer512;
                    b[in.u8() % b.size()] ^= static_cast<std::uint8_t>(1 | in.u8());
                    len = b.size();
                    return hold(std::move(b));
                }
                default:
                    len = in.u8();
                    return nullptr;
            }
        };
        auto ukm = [&](CK_ULONG& len) -> CK_BYTE_PTR {
            if (in.u8() % 8 == 0) {
                len = in.u8();
                return nullptr;
            }
            Bytes b = in.bytes(in.u8() % 4 == 0 ? in.u8() : (in.u8() % 2 ? 8 : 32));
            len = b.size();
            return hold(std::move(b));
        };
        if (p == 0 || p == 1) {
            Bytes b(sizeof(CK_GOSTR3410_DERIVE_PARAMS));
            CK_GOSTR3410_DERIVE_PARAMS prm{};
            const std::uint8_t kdf = in.u8();
            prm.kdf = kdf % 4 == 0 ? in.u32() : kdf % 4 == 1 ? GOSTCSP_CKD_KDF_4357 : CKD_NULL;
            prm.pPublicData = peer(prm.ulPublicDataLen);
            prm.pUKM = ukm(prm.ulUKMLen);
            std::memcpy(b.data(), &prm, sizeof prm);
            m.ulParameterLen = b.size();
            m.pParameter = hold(std::move(b));
        } else if (p == 2 || p == 3) {
            Bytes b(sizeof(CK_VENDOR_GOST_KEG_PARAMS));
            CK_VENDOR_GOST_KEG_PARAMS prm{};
            prm.pPublicData = peer(prm.ulPublicDataLen);
            prm.pUKM = ukm(prm.ulUKMLen);
            std::memcpy(b.data(), &prm, sizeof prm);
            m.ulParameterLen = b.size();
            m.pParameter = hold(std::move(b));
        } else if (p == 4) {  // raw bytes, never the size of a structure holding pointers
            Bytes b = in.bytes(in.u8());
            if (b.size() == sizeof(CK_GOSTR3410_DERIVE_PARAMS) ||
                b.size() == sizeof(CK_VENDOR_GOST_KEG_PARAMS))
                b.pop_back();
            m.ulParameterLen = b.size();
            m.pParameter = hold(std::move(b));
        } else {
            m.ulParameterLen = in.u8() % 2 ? 0 : in.u8();
        }
        return m;
    }

    void step() {
        CK_FUNCTION_LIST* f = x.f;
        const CK_SESSION_HANDLE s = x.session;
        switch (in.u8() % 8) {
            case 0: {
                auto t = tmpl();
                CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
                const CK_RV rv = f->C_CreateObject(s, ptr(t), t.size(), &h);
                check_rv(rv);
                if (rv == CKR_OK) made.push_back(h);
                break;
            }
            case 1: {
                CK_MECHANISM m = mechanism(false);
                if (in.u8() % 4 != 0) {
                    m.mechanism =
                        in.u8() % 2 ? CKM_GOSTR3410_KEY_PAIR_GEN : CKM_GOSTR3410_512_KEY_PAIR_GEN;
                    if (in.u8() % 4 != 0) m = {m.mechanism, nullptr, 0};
                }
                auto pt = tmpl();
                auto kt = tmpl();
                CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
                const CK_RV rv = f->C_GenerateKeyPair(s, &m, ptr(pt), pt.size(), ptr(kt), kt.size(),
                                                      &pub, &priv);
                check_rv(rv);
                if (rv == CKR_OK) {
                    made.push_back(pub);
                    made.push_back(priv);
                }
                break;
            }
            case 2: {
                auto t = tmpl();
                const CK_RV rv = f->C_FindObjectsInit(s, ptr(t), t.size());
                check_rv(rv);
                if (rv != CKR_OK) break;
                std::vector<CK_OBJECT_HANDLE> found(in.u8() % 8 + 1);
                CK_ULONG n = 0;
                check_rv(f->C_FindObjects(s, found.data(), found.size(), &n));
                if (n > found.size()) std::abort();
                check_rv(f->C_FindObjectsFinal(s));
                break;
            }
            case 3: {
                const CK_OBJECT_HANDLE h = in.u8() % 8 == 0 ? object() : scratch();
                // Fixed objects are only ever read: their handles go through object() only.
                if (h == x.priv256 || h == x.priv512 || h == x.pub256 || h == x.data) break;
                auto t = tmpl();
                check_rv(f->C_SetAttributeValue(s, h, ptr(t), t.size()));
                break;
            }
            case 4: {
                const CK_OBJECT_HANDLE h = object();
                std::vector<CK_ATTRIBUTE> t(in.u8() % 6);
                std::vector<CK_ULONG> given(t.size());
                for (std::size_t i = 0; i < t.size(); ++i) {
                    t[i].type = attr_type();
                    const std::uint8_t k = in.u8();
                    given[i] = k % 3 == 0 ? 0 : k % 3 == 1 ? 8 : in.u8();
                    t[i].ulValueLen = given[i];
                    t[i].pValue = in.u8() % 3 == 0 ? nullptr : hold(Bytes(given[i]));
                }
                check_rv(f->C_GetAttributeValue(s, h, ptr(t), t.size()));
                for (std::size_t i = 0; i < t.size(); ++i)
                    if (t[i].pValue != nullptr && t[i].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
                        t[i].ulValueLen > given[i])
                        std::abort();
                break;
            }
            case 5: {
                const CK_OBJECT_HANDLE h = object();
                auto t = tmpl();
                CK_OBJECT_HANDLE out = CK_INVALID_HANDLE;
                const CK_RV rv = f->C_CopyObject(s, h, ptr(t), t.size(), &out);
                check_rv(rv);
                if (rv == CKR_OK) made.push_back(out);
                break;
            }
            default: {
                CK_MECHANISM m = mechanism(true);
                const CK_OBJECT_HANDLE base = object();
                auto t = tmpl();
                CK_OBJECT_HANDLE out = CK_INVALID_HANDLE;
                const CK_RV rv = f->C_DeriveKey(s, &m, base, ptr(t), t.size(), &out);
                check_rv(rv);
                if (rv == CKR_OK) made.push_back(out);
                break;
            }
        }
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Fixture& x = fixture();
    Program p{x, Reader(data, size), {}, {}, {}, {}};
    for (int i = 0; i < 8 && !p.in.empty(); ++i) p.step();
    for (CK_OBJECT_HANDLE h : p.made)
        if (x.f->C_DestroyObject(x.session, h) != CKR_OK) ++x.leftovers;
    if (x.leftovers > max_leftovers) make_token(x);
    return 0;
}
