// SPDX-License-Identifier: Apache-2.0
// Writes the seed token files of fuzz/corpus/keystore_file through the keystore's own API:
//   make_keystore_seeds <out-dir>
// empty.token     initialised, SO PIN only
// objects.token   SO PIN 5927461830, user PIN 7391846205, key pairs tc26-256-A and tc26-512-A
//                 (token objects, labelled), a public and a private data object, a secret key
// Each file is then rewritten with 512-byte pages (VACUUM) so the seeds stay small.
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gostcsp/keystore/token.hpp"

namespace ks = gostcsp::keystore;

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "make_keystore_seeds: %s\n", what.c_str());
    std::exit(1);
}

void ok(const ks::Status& s, const char* what) {
    if (!s) die(std::string(what) + ": " + std::string(s.message()));
}

ks::Attribute label(const std::string& text) {
    return {0x3, ks::Bytes(text.begin(), text.end())};
}

void shrink(const std::filesystem::path& file) {
    sqlite3* db = nullptr;
    if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) die("sqlite open");
    char* err = nullptr;
    if (sqlite3_exec(db, "PRAGMA page_size=512; VACUUM;", nullptr, nullptr, &err) != SQLITE_OK)
        die(std::string("vacuum: ") + (err ? err : ""));
    sqlite3_close(db);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) die("usage: make_keystore_seeds <out-dir>");
    const std::filesystem::path out = argv[1];
    std::filesystem::create_directories(out);
    ks::Config cfg;
    cfg.token_dir = out;
    cfg.test_token = true;
    cfg.kdf_iterations = 10;

    const auto empty = out / "empty.token";
    std::filesystem::remove(empty);
    ok(ks::init_token(cfg, empty, "5927461830", "empty seed"), "init empty");

    const auto file = out / "objects.token";
    std::filesystem::remove(file);
    ok(ks::init_token(cfg, file, "5927461830", "fuzz seed"), "init");
    auto t = ks::Token::open(cfg, file);
    if (!t.ok()) die("open: " + std::string(t.status().message()));
    ok((*t)->login(ks::UserType::so, "5927461830").status(), "so login");
    ok((*t)->init_user_pin("7391846205"), "init pin");
    (*t)->logout();
    ok((*t)->login(ks::UserType::user, "7391846205").status(), "user login");
    for (auto [set, name] : {std::pair{gostcsp::core::ParamSet::tc26_256_a, "k256"},
                             std::pair{gostcsp::core::ParamSet::tc26_512_a, "k512"}}) {
        ks::Object pub, priv;
        pub.attributes = {label(name), {0x102, {0xa1}}};
        priv.is_private = true;
        priv.sensitive = true;
        priv.extractable = false;
        priv.attributes = {label(name), {0x102, {0xa1}}, {0x108, {1}}};
        ok((*t)->generate_key_pair(set, pub, priv).status(), "keygen");
    }
    ks::Object data;
    data.attributes = {label("public data"), {0x11, {1, 2, 3, 4}}};
    ok((*t)->create_object(data).status(), "data");
    ks::Object pdata = data;
    pdata.is_private = true;
    pdata.attributes[0] = label("private data");
    ok((*t)->create_object(pdata).status(), "private data");
    ks::Object secret;
    secret.object_class = ks::cko_secret_key;
    secret.key_type = 0x10;  // CKK_GENERIC_SECRET
    secret.is_private = true;
    secret.attributes = {label("secret"), {0x161, {32, 0, 0, 0, 0, 0, 0, 0}}};
    const std::uint8_t value[32] = {7, 7, 7};
    ok((*t)->create_object(secret, value).status(), "secret");
    (*t)->logout();
    std::unique_ptr<ks::Token> closing = std::move(*t);
    closing.reset();
    shrink(empty);
    shrink(file);
    return 0;
}
