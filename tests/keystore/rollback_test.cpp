// SPDX-License-Identifier: Apache-2.0
// Rollback and replanting of records (the record manifest, docs/keystore.md "Record manifest"),
// and the upgrade of a format-2 token file (made by the previous release) in place.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>

#include "gostcsp/gost3410.hpp"
#include "keystore_test_util.hpp"

using namespace gostcsp::keystore;
using namespace gostcsp::keystore::test;
namespace core = gostcsp::core;

namespace {

using Bytes = std::vector<std::uint8_t>;

// Direct SQL on the token file, as an attacker with write access (and old copies) would do it.
void sql(const std::filesystem::path& file, const std::string& text) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << (err ? err : "") << " in " << text;
    sqlite3_free(err);
    sqlite3_close(db);
}

std::int64_t sql_int(const std::filesystem::path& file, const std::string& text) {
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    sqlite3_stmt* s = nullptr;
    std::int64_t v = -1;
    if (sqlite3_prepare_v2(db, text.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        v = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

Object secret_key(std::string_view label, bool sensitive) {
    Object o;
    o.object_class = cko_secret_key;
    o.key_type = 0x31;  // CKK_GOST28147 (opaque to the keystore)
    o.is_private = true;
    o.sensitive = sensitive;
    o.extractable = true;
    o.attributes.push_back({0x3, {label.begin(), label.end()}});
    return o;
}

class RollbackTest : public ::testing::Test {
  protected:
    void SetUp() override {
        token = make_token(cfg, file);
        ASSERT_TRUE(token);
        ASSERT_TRUE(token->login(UserType::user, user_pin).ok());
        auto k = token->create_object(secret_key("kek", false), Bytes(32, 0x5a));
        auto a = token->create_object(private_data("a", {1, 1, 1}));
        ASSERT_TRUE(k.ok() && a.ok());
        key = *k;
        obj_a = *a;
        // The attacker's copy of the key's record while it is still readable.
        sql(file, "CREATE TABLE saved AS SELECT * FROM objects WHERE id = " + std::to_string(key));
    }

    // Puts the saved copy of the key's row back (delete + insert: every column as it was).
    void restore_saved_row() {
        sql(file, "DELETE FROM objects WHERE id = " + std::to_string(key) +
                      "; INSERT INTO objects SELECT * FROM saved");
    }

    TempDir dir;
    Config cfg = test_config(dir.path());
    std::filesystem::path file = dir.path() / "t.token";
    std::unique_ptr<Token> token;
    ObjectHandle key = 0, obj_a = 0;
};

}  // namespace

// The case: a hardened secret key made readable again by restoring its older row.
TEST_F(RollbackTest, RestoredOlderCopyOfOneRecordRefused) {
    ASSERT_TRUE(token->read_secret_value(key).ok());  // readable before hardening
    ObjectUpdate harden;
    harden.sensitive = true;
    ASSERT_TRUE(token->update_object(key, harden).ok());
    ASSERT_EQ(token->read_secret_value(key).error(), Error::attribute_sensitive);
    restore_saved_row();
    for (int fresh = 0; fresh < 2; ++fresh) {
        // The running process and a fresh one (another process, or after a restart) both refuse.
        if (fresh) {
            token = std::move(*Token::open(cfg, file));
            ASSERT_TRUE(token->login(UserType::user, user_pin).ok());
        }
        EXPECT_EQ(token->read_secret_value(key).error(), Error::integrity_failure);
        EXPECT_EQ(token->read_object(key).error(), Error::integrity_failure);
        auto found = token->find_objects();
        ASSERT_TRUE(found.ok()) << found.status().message();
        EXPECT_EQ(std::count(found->begin(), found->end(), key), 0) << "the record is hidden";
        EXPECT_EQ(std::count(found->begin(), found->end(), obj_a), 1) << "the others are not";
        EXPECT_TRUE(token->read_object(obj_a).ok());
        EXPECT_EQ(token->destroy_object(key).error(), Error::integrity_failure);
    }
}

TEST_F(RollbackTest, DeletedRecordReplantedRefused) {
    ASSERT_TRUE(token->destroy_object(key).ok());
    sql(file, "INSERT INTO objects SELECT * FROM saved");
    EXPECT_EQ(token->read_secret_value(key).error(), Error::integrity_failure);
    auto found = token->find_objects();
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(std::count(found->begin(), found->end(), key), 0);
    EXPECT_TRUE(token->read_object(obj_a).ok());
}

TEST_F(RollbackTest, RecordRemovedBehindTheTokensBackIsReported) {
    // Removing a row cannot be refused (it is gone): its group no longer matches (logged) and
    // the others are untouched. Putting back exactly the current row is no change at all.
    sql(file, "DELETE FROM objects WHERE id = " + std::to_string(key));
    EXPECT_EQ(token->read_object(key).error(), Error::object_not_found);
    EXPECT_TRUE(token->read_object(obj_a).ok());
    sql(file, "INSERT INTO objects SELECT * FROM saved");
    EXPECT_TRUE(token->read_object(key).ok());
}

TEST_F(RollbackTest, RemovedOrForeignManifestRefusesPrivateObjectsOnly) {
    Object pub;
    pub.object_class = cko_data;
    pub.attributes.push_back({0x3, {'p'}});
    auto p = token->create_object(pub);
    ASSERT_TRUE(p.ok());
    sql(file, "DELETE FROM manifest");
    EXPECT_EQ(token->read_object(obj_a).error(), Error::integrity_failure);
    EXPECT_EQ(token->create_object(private_data("new", {9})).error(), Error::integrity_failure);
    EXPECT_TRUE(token->read_object(*p).ok());
    // A fresh login does not rebuild a manifest over versioned records.
    token = std::move(*Token::open(cfg, file));
    ASSERT_TRUE(token->login(UserType::user, user_pin).ok());
    EXPECT_EQ(token->read_object(obj_a).error(), Error::integrity_failure);
    auto found = token->find_objects();
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, std::vector<ObjectHandle>{*p});
}

// Restoring the manifest together with the rows (a consistent older private state): a process
// that saw the newer manifest refuses it; a fresh process cannot tell (docs/keystore.md).
TEST_F(RollbackTest, WholeStateRollbackSeenByARunningProcess) {
    sql(file, "CREATE TABLE saved_manifest AS SELECT * FROM manifest");
    ObjectUpdate harden;
    harden.sensitive = true;
    ASSERT_TRUE(token->update_object(key, harden).ok());
    restore_saved_row();
    sql(file, "DELETE FROM manifest; INSERT INTO manifest SELECT * FROM saved_manifest");
    EXPECT_EQ(token->read_secret_value(key).error(), Error::integrity_failure);
    EXPECT_EQ(token->read_object(obj_a).error(), Error::integrity_failure);
    token = std::move(*Token::open(cfg, file));
    ASSERT_TRUE(token->login(UserType::user, user_pin).ok());
    EXPECT_TRUE(token->read_secret_value(key).ok()) << "the documented limit changed?";
}

TEST_F(RollbackTest, LabelsAndIdsOfPrivateObjectsAreNotInTheFile) {
    Object o = private_data("confidential-label-7731", {4});
    const std::string id = "confidential-id-5519";
    o.attributes.push_back({0x102, {id.begin(), id.end()}});
    ASSERT_TRUE(token->create_object(o).ok());
    token.reset();
    sql(file, "VACUUM");
    std::ifstream in(file, std::ios::binary);
    const std::string raw((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(raw.find("confidential-label-7731"), std::string::npos);
    EXPECT_EQ(raw.find("confidential-id-5519"), std::string::npos);
}

TEST_F(RollbackTest, FindsByLabelAndIdThroughTheIndex) {
    Object pub;
    pub.object_class = cko_data;
    pub.attributes.push_back({0x3, {'k', 'e', 'k'}});  // same label as the private secret key
    auto p = token->create_object(pub);
    ASSERT_TRUE(p.ok());
    ObjectQuery q;
    q.attributes.push_back({0x3, {'k', 'e', 'k'}});
    auto found = token->find_objects(q);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, (std::vector<ObjectHandle>{key, *p}));
    q.object_class = cko_secret_key;
    found = token->find_objects(q);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, std::vector<ObjectHandle>{key});
    token->logout();
    q.object_class.reset();
    found = token->find_objects(q);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, std::vector<ObjectHandle>{*p}) << "private objects need the login";
    // The query plan uses the tag index, not a scan.
    EXPECT_EQ(sql_int(file,
                      "SELECT count(*) FROM pragma_index_list('objects') WHERE name IN "
                      "('objects_by_label', 'objects_by_id_tag')"),
              2);
}

// A format-2 file made by the previous release (tests/keystore/data/format2.token: SO PIN
// Quartz-Lantern-77, user PIN Amber-Falcon-2093; key pairs "signer" (id a1, tc26-256-A) and
// "s512" (tc26-512-B)) opens, is upgraded in place, finds by label/id and signs.
TEST(KeystoreUpgrade, Format2FileOpensAndIsUpgraded) {
    TempDir dir;
    Config cfg = test_config(dir.path());
    const auto file = dir.path() / "old.token";
    std::filesystem::copy_file(std::filesystem::path(GOSTCSP_KEYSTORE_TEST_DATA) / "format2.token",
                               file);
    ASSERT_EQ(sql_int(file, "PRAGMA user_version"), 2);
    auto t = Token::open(cfg, file);
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_EQ(sql_int(file, "PRAGMA user_version"), 3);
    ObjectQuery by_label;
    by_label.attributes.push_back({0x3, {'s', 'i', 'g', 'n', 'e', 'r'}});
    auto pub = (*t)->find_objects(by_label);
    ASSERT_TRUE(pub.ok());
    ASSERT_EQ(pub->size(), 1u) << "public half, before login";
    ASSERT_TRUE((*t)->login(UserType::user, "Amber-Falcon-2093").ok());
    EXPECT_EQ(sql_int(file,
                      "SELECT count(*) FROM objects WHERE (flags & 1) = 1 AND version "
                      "IS NOT NULL AND label_tag IS NOT NULL"),
              2);
    ObjectQuery by_id;
    by_id.object_class = cko_private_key;
    by_id.attributes.push_back({0x102, {0xa1}});
    auto priv = (*t)->find_objects(by_id);
    ASSERT_TRUE(priv.ok());
    ASSERT_EQ(priv->size(), 1u);
    auto pub_obj = (*t)->read_object(pub->at(0));
    ASSERT_TRUE(pub_obj.ok());
    const Bytes digest(32, 0x42);
    auto sig = (*t)->sign_digest(priv->at(0), digest);
    ASSERT_TRUE(sig.ok()) << sig.status().message();
    core::PublicKey pk;
    ASSERT_TRUE(
        core::ok(core::PublicKey::from_le_xy(core::ParamSet::tc26_256_a, pub_obj->public_key, pk)));
    EXPECT_TRUE(core::ok(core::verify_digest(pk, digest, *sig)));
    // A second process opening the upgraded file sees the same.
    auto t2 = Token::open(cfg, file);
    ASSERT_TRUE(t2.ok());
    ASSERT_TRUE((*t2)->login(UserType::user, "Amber-Falcon-2093").ok());
    auto all = (*t2)->find_objects();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 4u);
}
