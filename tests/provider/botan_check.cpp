// SPDX-License-Identifier: Apache-2.0
// Botan 2 as an independent GOST R 34.10-2012 checker for the provider tests (explicit domain
// parameters from tests/vectors/curves.txt, never Botan's own OID table).
//
//   gostcsp_botan_check verify <paramset-oid> <pub X‖Y LE hex> <message file> <sig s‖r hex>
//   gostcsp_botan_check sign   <paramset-oid> <message file> <out SPKI DER> <out signature>
// Exit status 0 = valid / written, 1 = invalid, 2 = usage or input error.
#include <botan/auto_rng.h>
#include <botan/der_enc.h>
#include <botan/ec_group.h>
#include <botan/gost_3410.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/pubkey.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "vector_file.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

struct Curve {
    Botan::EC_Group group;
    std::size_t bytes;
};

Curve curve_for(const std::string& oid) {
    for (const auto& rec : gostcsp::test::load_vectors("curves.txt")) {
        if (rec.str("oid") != oid && rec.str("name") != oid) continue;
        auto bn = [&](const char* k) { return Botan::BigInt("0x" + rec.str(k)); };
        return {
            Botan::EC_Group(bn("p"), bn("a"), bn("b"), bn("x"), bn("y"), bn("q"), bn("cofactor")),
            rec.number("bits") / 8};
    }
    throw std::runtime_error("unknown parameter set " + oid);
}

Botan::BigInt from_le(const std::uint8_t* p, std::size_t n) {
    Bytes be(p, p + n);
    std::reverse(be.begin(), be.end());
    return Botan::BigInt(be.data(), be.size());
}

Bytes to_le(const Botan::BigInt& v, std::size_t n) {
    const auto sec = Botan::BigInt::encode_1363(v, n);
    Bytes be(sec.begin(), sec.end());
    std::reverse(be.begin(), be.end());
    return be;
}

// GOST reduces the digest mod q; Botan's EMSA1 would first truncate it to q's bit length
// (254 / 510 bits on the cofactor-4 sets), so hash with Botan's Streebog and sign "Raw".
Bytes streebog(const Bytes& msg, std::size_t bytes) {
    auto h = Botan::HashFunction::create_or_throw(bytes == 32 ? "Streebog-256" : "Streebog-512");
    const auto d = h->process(msg);
    return Bytes(d.begin(), d.end());
}

int verify(const std::string& oid, const std::string& pub_hex, const std::string& msg_path,
           const std::string& sig_hex) {
    const Curve c = curve_for(oid);
    const Bytes xy = Botan::hex_decode(pub_hex);
    if (xy.size() != 2 * c.bytes) throw std::runtime_error("public key length");
    const Botan::PointGFp point =
        c.group.point(from_le(xy.data(), c.bytes), from_le(xy.data() + c.bytes, c.bytes));
    Botan::GOST_3410_PublicKey key(c.group, point);
    Botan::PK_Verifier verifier(key, "Raw");
    const Bytes digest = streebog(read_file(msg_path), c.bytes);
    const Bytes sig = Botan::hex_decode(sig_hex);
    const bool ok = verifier.verify_message(digest, sig);
    std::cout << (ok ? "Botan: signature valid" : "Botan: signature INVALID") << "\n";
    return ok ? 0 : 1;
}

int sign(const std::string& oid, const std::string& msg_path, const std::string& spki_path,
         const std::string& sig_path) {
    const Curve c = curve_for(oid);
    Botan::AutoSeeded_RNG rng;
    Botan::GOST_3410_PrivateKey key(rng, c.group);
    Botan::PK_Signer signer(key, rng, "Raw");
    const Bytes sig = signer.sign_message(streebog(read_file(msg_path), c.bytes), rng);  // s‖r
    const auto& pt = key.public_point();
    Bytes xy = to_le(pt.get_affine_x(), c.bytes);
    const Bytes y = to_le(pt.get_affine_y(), c.bytes);
    xy.insert(xy.end(), y.begin(), y.end());
    // SubjectPublicKeyInfo as RFC 9215 §4 (parameters: the set OID alone, as for tc26 sets).
    Bytes inner;
    Botan::DER_Encoder(inner).encode(xy, Botan::OCTET_STRING);
    Bytes spki;
    Botan::DER_Encoder(spki)
        .start_cons(Botan::SEQUENCE)
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::OID(c.bytes == 32 ? "1.2.643.7.1.1.1.1" : "1.2.643.7.1.1.1.2"))
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::OID(oid))
        .end_cons()
        .end_cons()
        .encode(inner, Botan::BIT_STRING)
        .end_cons();
    std::ofstream(spki_path, std::ios::binary)
        .write(reinterpret_cast<const char*>(spki.data()),
               static_cast<std::streamsize>(spki.size()));
    std::ofstream(sig_path, std::ios::binary)
        .write(reinterpret_cast<const char*>(sig.data()), static_cast<std::streamsize>(sig.size()));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::vector<std::string> args(argv + 1, argv + argc);
        if (args.size() == 5 && args[0] == "verify")
            return verify(args[1], args[2], args[3], args[4]);
        if (args.size() == 5 && args[0] == "sign") return sign(args[1], args[2], args[3], args[4]);
        std::cerr << "usage: verify <oid> <pub> <msg> <sig> | sign <oid> <msg> <spki> <sig>\n";
    } catch (const std::exception& e) {
        std::cerr << "gostcsp_botan_check: " << e.what() << "\n";
    }
    return 2;
}
