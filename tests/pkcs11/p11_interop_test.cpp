// SPDX-License-Identifier: Apache-2.0
// Interoperability with gost-engine (the `openssl` CLI with -engine gost, in its own process) on
// every TC26 parameter set: module signatures verify in gost-engine, gost-engine signatures
// verify in the module, and VKO through C_DeriveKey agrees with gost-engine's derive.
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "p11_harness.hpp"

using namespace p11test;

namespace {

CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

Bytes der_len(std::size_t n) {
    if (n < 128) return {static_cast<std::uint8_t>(n)};
    if (n < 256) return {0x81, static_cast<std::uint8_t>(n)};
    return {0x82, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n & 0xff)};
}
Bytes tlv(std::uint8_t tag, const Bytes& body) {
    Bytes out{tag};
    Bytes l = der_len(body.size());
    out.insert(out.end(), l.begin(), l.end());
    out.insert(out.end(), body.begin(), body.end());
    return out;
}
Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// SubjectPublicKeyInfo of a GOST 2012 key (RFC 9215 / gost-engine's encoding).
Bytes spki(const Bytes& param_oid, const Bytes& xy) {
    bool is512 = xy.size() == 128;
    Bytes alg = is512 ? hex("06082a85030701010102") : hex("06082a85030701010101");
    Bytes params = is512 ? tlv(0x30, cat({param_oid, oid_streebog512})) : tlv(0x30, param_oid);
    Bytes bits = cat({Bytes{0x00}, tlv(0x04, xy)});
    return tlv(0x30, cat({tlv(0x30, cat({alg, params})), tlv(0x03, bits)}));
}

void write_file(const std::filesystem::path& p, const Bytes& b) {
    std::ofstream(p, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
Bytes read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}
int sh(const std::string& cmd) {
    return std::system((cmd + " >/dev/null 2>&1").c_str());
}

struct Set {
    const char* engine_name;  // gost-engine paramset: spelling
    Bytes oid;
    bool is512;
};

const Set sets[] = {
    {"TCA", hex("06092a8503070102010101"), false}, {"TCB", hex("06092a8503070102010102"), false},
    {"TCC", hex("06092a8503070102010103"), false}, {"TCD", hex("06092a8503070102010104"), false},
    {"A", hex("06092a8503070102010201"), true},    {"B", hex("06092a8503070102010202"), true},
    {"C", hex("06092a8503070102010203"), true},
};

class P11Interop : public P11Test, public ::testing::WithParamInterface<Set> {};

}  // namespace

TEST_P(P11Interop, SignaturesAndVkoAgreeWithGostEngine) {
    const Set& set = GetParam();
    const char* md = set.is512 ? "-md_gost12_512" : "-md_gost12_256";
    const char* alg = set.is512 ? "gost2012_512" : "gost2012_256";
    CK_MECHANISM_TYPE mech =
        set.is512 ? CKM_GOSTR3410_WITH_GOSTR3411_12_512 : CKM_GOSTR3410_WITH_GOSTR3411_12_256;
    std::size_t xy_len = set.is512 ? 128 : 64;
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = user_session(s);
    Bytes msg = {'i', 'n', 't', 'e', 'r', 'o', 'p', ' ', 't', 'e', 's', 't'};
    write_file(dir / "msg", msg);
    std::string d = dir.string();

    // 1. The module signs; gost-engine verifies.
    KeyPair kp = generate(h, set.oid, set.is512);
    Bytes our_xy = attr(h, kp.pub, CKA_VALUE);
    ASSERT_EQ(our_xy.size(), xy_len);
    write_file(dir / "ours.der", spki(set.oid, our_xy));
    for (int i = 0; i < 3; ++i) {
        write_file(dir / "ours.sig", sign(h, mech, kp.priv, msg));
        EXPECT_EQ(sh("openssl dgst -engine gost " + std::string(md) + " -verify " + d +
                     "/ours.der -keyform DER -signature " + d + "/ours.sig " + d + "/msg"),
                  0)
            << set.engine_name;
    }
    Bytes sig = read_file(dir / "ours.sig");
    sig[3] ^= 0x10;
    write_file(dir / "bad.sig", sig);
    EXPECT_NE(sh("openssl dgst -engine gost " + std::string(md) + " -verify " + d +
                 "/ours.der -keyform DER -signature " + d + "/bad.sig " + d + "/msg"),
              0);

    // 2. gost-engine signs; the module verifies.
    ASSERT_EQ(sh("openssl genpkey -engine gost -algorithm " + std::string(alg) +
                 " -pkeyopt paramset:" + set.engine_name + " -out " + d + "/peer.pem"),
              0);
    ASSERT_EQ(sh("openssl pkey -engine gost -in " + d + "/peer.pem -pubout -outform DER -out " + d +
                 "/peer.der"),
              0);
    ASSERT_EQ(sh("openssl dgst -engine gost " + std::string(md) + " -sign " + d +
                 "/peer.pem -out " + d + "/peer.sig " + d + "/msg"),
              0);
    Bytes peer_der = read_file(dir / "peer.der");
    ASSERT_GT(peer_der.size(), xy_len);
    Bytes peer_xy(peer_der.end() - static_cast<long>(xy_len), peer_der.end());
    CK_OBJECT_CLASS pc = CKO_PUBLIC_KEY;
    CK_KEY_TYPE kt = set.is512 ? CKK_GOSTR3410_512 : CKK_GOSTR3410;
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &pc, sizeof pc},
        {CKA_KEY_TYPE, &kt, sizeof kt},
        {CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(set.oid.data()), set.oid.size()},
        {CKA_VALUE, peer_xy.data(), peer_xy.size()},
        {CKA_VERIFY, &yes, 1}};
    CK_OBJECT_HANDLE peer_pub;
    ASSERT_EQ(f->C_CreateObject(h, t, 5, &peer_pub), CKR_OK);
    EXPECT_EQ(verify(h, mech, peer_pub, msg, read_file(dir / "peer.sig")), CKR_OK)
        << set.engine_name;

    // 3. VKO: KEK(our d, peer Q) from the module = KEK(peer d, our Q) from gost-engine.
    // gost-engine derives VKO_GOSTR3410_2012_256 (32 bytes) for both key sizes.
    Bytes ukm = hex("1d80603c8544c727");
    CK_GOSTR3410_DERIVE_PARAMS dp{CKD_NULL, peer_xy.data(), peer_xy.size(), ukm.data(), ukm.size()};
    CK_MECHANISM dm{CKM_GOSTR3410_12_DERIVE, &dp, sizeof dp};
    CK_OBJECT_CLASS sc = CKO_SECRET_KEY;
    CK_ULONG len = 32;
    CK_ATTRIBUTE dt[] = {{CKA_CLASS, &sc, sizeof sc},
                         {CKA_SENSITIVE, &no, 1},
                         {CKA_EXTRACTABLE, &yes, 1},
                         {CKA_VALUE_LEN, &len, sizeof len}};
    CK_OBJECT_HANDLE kek;
    ASSERT_EQ(f->C_DeriveKey(h, &dm, kp.priv, dt, 4, &kek), CKR_OK);
    ASSERT_EQ(sh("openssl pkeyutl -engine gost -derive -inkey " + d + "/peer.pem -peerkey " + d +
                 "/ours.der -peerform DER -pkeyopt ukmhex:1d80603c8544c727 -out " + d + "/kek.bin"),
              0);
    EXPECT_EQ(attr(h, kek, CKA_VALUE), read_file(dir / "kek.bin")) << set.engine_name;
}

INSTANTIATE_TEST_SUITE_P(AllSets, P11Interop, ::testing::ValuesIn(sets), [](const auto& p) {
    return std::string(p.param.engine_name) + (p.param.is512 ? "_512" : "_256");
});
