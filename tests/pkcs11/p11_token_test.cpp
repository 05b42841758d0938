// SPDX-License-Identifier: Apache-2.0
// Tokens, PINs, sessions, login states, objects and attribute policy through the PKCS#11 ABI.
#include "p11_harness.hpp"

using namespace p11test;

namespace {

CK_OBJECT_CLASS cls_data = CKO_DATA;
CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

}  // namespace

// ---- PINs: the default-PIN promise, retry counters, unblock ----

TEST_F(P11Test, DefaultPinsMustBeChangedBeforeKeyUse) {
    CK_SLOT_ID s = init_token("factory", default_pin);
    EXPECT_NE(token_info(s).flags & CKF_SO_PIN_TO_BE_CHANGED, 0u);
    set_user_pin(s, default_pin, default_pin);
    CK_TOKEN_INFO ti = token_info(s);
    EXPECT_NE(ti.flags & CKF_USER_PIN_TO_BE_CHANGED, 0u);
    EXPECT_NE(ti.flags & CKF_USER_PIN_INITIALIZED, 0u);

    CK_SESSION_HANDLE h = open(s);
    ASSERT_EQ(f->C_Login(h, CKU_USER, u8(default_pin), len_of(default_pin)), CKR_OK);
    KeyPair kp = generate(h, oid_tc26_256_a);
    CK_MECHANISM m{CKM_GOSTR3410_WITH_GOSTR3411_12_256, nullptr, 0};
    EXPECT_EQ(f->C_SignInit(h, &m, kp.priv), CKR_PIN_EXPIRED);
    Bytes peer(64, 0);
    std::uint8_t ukm[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    CK_GOSTR3410_DERIVE_PARAMS dp{CKD_NULL, peer.data(), 64, ukm, 8};
    CK_MECHANISM dm{CKM_GOSTR3410_12_DERIVE, &dp, sizeof dp};
    CK_OBJECT_HANDLE out;
    EXPECT_EQ(f->C_DeriveKey(h, &dm, kp.priv, nullptr, 0, &out), CKR_PIN_EXPIRED);

    // Forbidden new PINs.
    EXPECT_EQ(f->C_SetPIN(h, u8(default_pin), len_of(default_pin), u8("12"), 2), CKR_PIN_LEN_RANGE);
    std::string longpin(65, '7');
    EXPECT_EQ(f->C_SetPIN(h, u8(default_pin), len_of(default_pin), u8(longpin.c_str()), 65),
              CKR_PIN_LEN_RANGE);
    EXPECT_EQ(f->C_SetPIN(h, u8(default_pin), len_of(default_pin), u8("11111111"), 8),
              CKR_PIN_INVALID);
    EXPECT_EQ(f->C_SetPIN(h, u8(default_pin), len_of(default_pin), u8("123456789"), 9),
              CKR_PIN_INVALID);
    EXPECT_NE(token_info(s).flags & CKF_USER_PIN_TO_BE_CHANGED, 0u);
    // A proper PIN lifts the restriction.
    ASSERT_EQ(f->C_SetPIN(h, u8(default_pin), len_of(default_pin), u8(user_pin), len_of(user_pin)),
              CKR_OK);
    EXPECT_EQ(token_info(s).flags & CKF_USER_PIN_TO_BE_CHANGED, 0u);
    EXPECT_EQ(f->C_SignInit(h, &m, kp.priv), CKR_OK);
    std::uint8_t msg[1] = {1}, sig[64];
    CK_ULONG n = sizeof sig;
    EXPECT_EQ(f->C_Sign(h, msg, 1, sig, &n), CKR_OK);

    // The SO changes its own PIN the same way (R/W SO session).
    ASSERT_EQ(f->C_Logout(h), CKR_OK);
    ASSERT_EQ(f->C_Login(h, CKU_SO, u8(default_pin), len_of(default_pin)), CKR_OK);
    EXPECT_EQ(f->C_SetPIN(h, u8(default_pin), len_of(default_pin), u8("00000000"), 8),
              CKR_PIN_INVALID);
    EXPECT_EQ(f->C_SetPIN(h, u8(default_pin), len_of(default_pin), u8(so_pin), len_of(so_pin)),
              CKR_OK);
    EXPECT_EQ(token_info(s).flags & CKF_SO_PIN_TO_BE_CHANGED, 0u);
}

TEST_F(P11Test, WrongPinCountsLocksAndSoUnblocks) {
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = open(s);
    EXPECT_EQ(f->C_Login(h, CKU_USER, u8("0000000001"), 10), CKR_PIN_INCORRECT);
    CK_TOKEN_INFO ti = token_info(s);
    EXPECT_NE(ti.flags & CKF_USER_PIN_COUNT_LOW, 0u);
    EXPECT_EQ(ti.flags & CKF_USER_PIN_FINAL_TRY, 0u);
    EXPECT_EQ(f->C_Login(h, CKU_USER, u8("0000000002"), 10), CKR_PIN_INCORRECT);
    ti = token_info(s);
    EXPECT_NE(ti.flags & CKF_USER_PIN_FINAL_TRY, 0u);
    CK_RV third = f->C_Login(h, CKU_USER, u8("0000000003"), 10);
    EXPECT_TRUE(third == CKR_PIN_INCORRECT || third == CKR_PIN_LOCKED) << third;
    ti = token_info(s);
    EXPECT_NE(ti.flags & CKF_USER_PIN_LOCKED, 0u);
    // Locked: even the right PIN is refused, and the state is visible in the session.
    EXPECT_EQ(f->C_Login(h, CKU_USER, u8(user_pin), len_of(user_pin)), CKR_PIN_LOCKED);
    CK_SESSION_INFO si;
    ASSERT_EQ(f->C_GetSessionInfo(h, &si), CKR_OK);
    EXPECT_EQ(si.state, CKS_RW_PUBLIC_SESSION);
    // SO login + C_InitPIN unblocks.
    ASSERT_EQ(f->C_Login(h, CKU_SO, u8(so_pin), len_of(so_pin)), CKR_OK);
    ASSERT_EQ(f->C_InitPIN(h, u8("6482913570"), 10), CKR_OK);
    ASSERT_EQ(f->C_Logout(h), CKR_OK);
    ti = token_info(s);
    EXPECT_EQ(ti.flags & (CKF_USER_PIN_LOCKED | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW),
              0u);
    EXPECT_EQ(f->C_Login(h, CKU_USER, u8("6482913570"), 10), CKR_OK);
    // A successful login resets the count.
    ASSERT_EQ(f->C_Logout(h), CKR_OK);
    EXPECT_EQ(f->C_Login(h, CKU_USER, u8("0000000009"), 10), CKR_PIN_INCORRECT);
    EXPECT_EQ(f->C_Login(h, CKU_USER, u8("6482913570"), 10), CKR_OK);
    EXPECT_EQ(token_info(s).flags & CKF_USER_PIN_COUNT_LOW, 0u);
}

TEST_F(P11Test, SoPinCounters) {
    CK_SLOT_ID s = init_token();
    CK_SESSION_HANDLE h = open(s);
    EXPECT_EQ(f->C_Login(h, CKU_SO, u8("0000000001"), 10), CKR_PIN_INCORRECT);
    EXPECT_NE(token_info(s).flags & CKF_SO_PIN_COUNT_LOW, 0u);
    EXPECT_EQ(f->C_Login(h, CKU_SO, u8(so_pin), len_of(so_pin)), CKR_OK);
    EXPECT_EQ(token_info(s).flags & CKF_SO_PIN_COUNT_LOW, 0u);
}

TEST_F(P11Test, PinArgumentErrors) {
    CK_SLOT_ID s = init_token();
    CK_SESSION_HANDLE h = open(s);
    EXPECT_EQ(f->C_Login(h, CKU_USER, u8(user_pin), len_of(user_pin)),
              CKR_USER_PIN_NOT_INITIALIZED);
    EXPECT_EQ(f->C_Login(h, CKU_SO, nullptr, 4), CKR_ARGUMENTS_BAD);
    EXPECT_EQ(f->C_Login(h, 7, u8(so_pin), len_of(so_pin)), CKR_USER_TYPE_INVALID);
    EXPECT_EQ(f->C_Login(h + 100, CKU_SO, u8(so_pin), len_of(so_pin)), CKR_SESSION_HANDLE_INVALID);
    EXPECT_EQ(f->C_InitPIN(h, u8(user_pin), len_of(user_pin)), CKR_USER_NOT_LOGGED_IN);
    CK_UTF8CHAR lab[32];
    label32(lab, "x");
    EXPECT_EQ(f->C_InitToken(s, u8(so_pin), len_of(so_pin), lab), CKR_SESSION_EXISTS);
    EXPECT_EQ(f->C_InitToken(s, u8(so_pin), len_of(so_pin), nullptr), CKR_ARGUMENTS_BAD);
    EXPECT_EQ(f->C_InitToken(999, u8(so_pin), len_of(so_pin), lab), CKR_SLOT_ID_INVALID);
    CK_SESSION_HANDLE ro = open(s, false);
    EXPECT_EQ(f->C_SetPIN(ro, u8(so_pin), len_of(so_pin), u8(user_pin), len_of(user_pin)),
              CKR_SESSION_READ_ONLY);
    ASSERT_EQ(f->C_CloseAllSessions(s), CKR_OK);
    // Re-initialisation needs the SO PIN and wipes the token.
    EXPECT_EQ(f->C_InitToken(s, u8("0000000001"), 10, lab), CKR_PIN_INCORRECT);
    EXPECT_EQ(f->C_InitToken(s, u8(so_pin), len_of(so_pin), lab), CKR_OK);
}

// The parameter-set OID asked for is the OID reported: CryptoPro-A (RFC 4357, 1.2.643.2.2.35.1)
// names the tc26-256-B curve, and a key generated or created with it keeps that OID.
TEST_F(P11Test, RequestedCryptoProOidIsKept) {
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = open(s);
    ASSERT_EQ(f->C_Login(h, CKU_USER, u8(user_pin), len_of(user_pin)), CKR_OK);
    const Bytes cryptopro_a = hex("06072a850302022301");
    const Bytes tc26_b = hex("06092a8503070102010102");
    KeyPair kp = generate(h, cryptopro_a);
    EXPECT_EQ(attr(h, kp.pub, CKA_GOSTR3410_PARAMS), cryptopro_a);
    EXPECT_EQ(attr(h, kp.priv, CKA_GOSTR3410_PARAMS), cryptopro_a);
    KeyPair kb = generate(h, tc26_b);
    EXPECT_EQ(attr(h, kb.pub, CKA_GOSTR3410_PARAMS), tc26_b);
    // Signing works on either spelling (the same curve).
    CK_MECHANISM m{CKM_GOSTR3410_WITH_GOSTR3411_12_256, nullptr, 0};
    ASSERT_EQ(f->C_SignInit(h, &m, kp.priv), CKR_OK);
    std::uint8_t msg[1] = {1}, sig[64];
    CK_ULONG n = sizeof sig;
    EXPECT_EQ(f->C_Sign(h, msg, 1, sig, &n), CKR_OK);
}

// PKCS#11 v2.40 C_InitToken / C_Login: a wrong PIN of any length is CKR_PIN_INCORRECT (neither
// function lists CKR_PIN_LEN_RANGE for the PIN it checks), and C_InitToken counts the wrong SO
// PIN exactly as C_Login(CKU_SO) does.
TEST_F(P11Test, WrongPinOfOutOfRangeLengthIsIncorrect) {
    CK_SLOT_ID s = init_token();
    CK_UTF8CHAR lab[32];
    label32(lab, "x");
    const std::string too_short = "12", too_long(65, '7');
    EXPECT_EQ(f->C_InitToken(s, u8(too_short.c_str()), 2, lab), CKR_PIN_INCORRECT);
    EXPECT_NE(token_info(s).flags & CKF_SO_PIN_COUNT_LOW, 0u);  // the try was counted
    EXPECT_EQ(f->C_InitToken(s, u8(too_long.c_str()), 65, lab), CKR_PIN_INCORRECT);
    EXPECT_NE(token_info(s).flags & CKF_SO_PIN_FINAL_TRY, 0u);  // 2 of 3 used
    CK_SESSION_HANDLE h = open(s);
    EXPECT_EQ(f->C_Login(h, CKU_SO, u8(too_long.c_str()), 65), CKR_PIN_INCORRECT);
    EXPECT_EQ(f->C_Login(h, CKU_SO, u8(so_pin), len_of(so_pin)), CKR_OK);
    EXPECT_EQ(token_info(s).flags & CKF_SO_PIN_COUNT_LOW, 0u);
    ASSERT_EQ(f->C_CloseAllSessions(s), CKR_OK);
    // A new token's SO PIN still has to be of a valid length.
    EXPECT_EQ(f->C_InitToken(s, u8(so_pin), len_of(so_pin), lab), CKR_OK);
}

// ---- sessions and login states (PKCS#11 v2.40 §5.5, §5.6) ----

TEST_F(P11Test, SessionStatesFollowLogin) {
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = 0, ro = 0, rw = 0;
    EXPECT_EQ(f->C_OpenSession(s, 0, nullptr, nullptr, &h), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    EXPECT_EQ(f->C_OpenSession(s, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr),
              CKR_ARGUMENTS_BAD);
    EXPECT_EQ(f->C_OpenSession(99, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_SLOT_ID_INVALID);
    ro = open(s, false);
    rw = open(s, true);
    CK_SESSION_INFO si;
    EXPECT_EQ(f->C_GetSessionInfo(ro, nullptr), CKR_ARGUMENTS_BAD);
    ASSERT_EQ(f->C_GetSessionInfo(ro, &si), CKR_OK);
    EXPECT_EQ(si.state, CKS_RO_PUBLIC_SESSION);
    EXPECT_EQ(si.slotID, s);
    EXPECT_EQ(si.flags, CKF_SERIAL_SESSION);
    ASSERT_EQ(f->C_GetSessionInfo(rw, &si), CKR_OK);
    EXPECT_EQ(si.state, CKS_RW_PUBLIC_SESSION);
    EXPECT_EQ(si.flags, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    CK_TOKEN_INFO ti = token_info(s);
    EXPECT_EQ(ti.ulSessionCount, 2u);
    EXPECT_EQ(ti.ulRwSessionCount, 1u);

    EXPECT_EQ(f->C_Logout(rw), CKR_USER_NOT_LOGGED_IN);
    EXPECT_EQ(f->C_Login(rw, CKU_SO, u8(so_pin), len_of(so_pin)), CKR_SESSION_READ_ONLY_EXISTS);
    ASSERT_EQ(f->C_Login(ro, CKU_USER, u8(user_pin), len_of(user_pin)), CKR_OK);
    ASSERT_EQ(f->C_GetSessionInfo(ro, &si), CKR_OK);
    EXPECT_EQ(si.state, CKS_RO_USER_FUNCTIONS);
    ASSERT_EQ(f->C_GetSessionInfo(rw, &si), CKR_OK);
    EXPECT_EQ(si.state, CKS_RW_USER_FUNCTIONS);
    EXPECT_EQ(f->C_Login(rw, CKU_USER, u8(user_pin), len_of(user_pin)), CKR_USER_ALREADY_LOGGED_IN);
    EXPECT_EQ(f->C_Login(rw, CKU_SO, u8(so_pin), len_of(so_pin)), CKR_SESSION_READ_ONLY_EXISTS);
    // (R/O sessions exist, so that answer comes first; the same order as SoftHSM2.)
    // A new session joins the logged-in state.
    CK_SESSION_HANDLE third = open(s, false);
    ASSERT_EQ(f->C_GetSessionInfo(third, &si), CKR_OK);
    EXPECT_EQ(si.state, CKS_RO_USER_FUNCTIONS);
    ASSERT_EQ(f->C_Logout(ro), CKR_OK);
    ASSERT_EQ(f->C_GetSessionInfo(rw, &si), CKR_OK);
    EXPECT_EQ(si.state, CKS_RW_PUBLIC_SESSION);

    // SO: only with no R/O sessions; then R/O sessions cannot be opened.
    ASSERT_EQ(f->C_CloseSession(ro), CKR_OK);
    ASSERT_EQ(f->C_CloseSession(third), CKR_OK);
    EXPECT_EQ(f->C_CloseSession(third), CKR_SESSION_HANDLE_INVALID);
    ASSERT_EQ(f->C_Login(rw, CKU_SO, u8(so_pin), len_of(so_pin)), CKR_OK);
    ASSERT_EQ(f->C_GetSessionInfo(rw, &si), CKR_OK);
    EXPECT_EQ(si.state, CKS_RW_SO_FUNCTIONS);
    EXPECT_EQ(f->C_Login(rw, CKU_USER, u8(user_pin), len_of(user_pin)),
              CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    EXPECT_EQ(f->C_OpenSession(s, CKF_SERIAL_SESSION, nullptr, nullptr, &h),
              CKR_SESSION_READ_WRITE_SO_EXISTS);
    // Closing the last session logs out.
    ASSERT_EQ(f->C_CloseSession(rw), CKR_OK);
    rw = open(s);
    ASSERT_EQ(f->C_GetSessionInfo(rw, &si), CKR_OK);
    EXPECT_EQ(si.state, CKS_RW_PUBLIC_SESSION);
    EXPECT_EQ(f->C_CloseAllSessions(s), CKR_OK);
    EXPECT_EQ(f->C_GetSessionInfo(rw, &si), CKR_SESSION_HANDLE_INVALID);
    EXPECT_EQ(f->C_CloseAllSessions(77), CKR_SLOT_ID_INVALID);
}

// ---- objects ----

TEST_F(P11Test, DataObjectsVisibilityAndLifetime) {
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE ro = open(s, false);
    CK_SESSION_HANDLE rw = open(s);
    char label[] = "pub-data";
    std::uint8_t value[] = {1, 2, 3};
    CK_ATTRIBUTE tok_pub[] = {{CKA_CLASS, &cls_data, sizeof cls_data},
                              {CKA_TOKEN, &yes, 1},
                              {CKA_PRIVATE, &no, 1},
                              {CKA_LABEL, label, 8},
                              {CKA_VALUE, value, 3}};
    CK_OBJECT_HANDLE o1 = 0, o2 = 0, o3 = 0, o4 = 0;
    EXPECT_EQ(f->C_CreateObject(ro, tok_pub, 5, &o1), CKR_SESSION_READ_ONLY);
    EXPECT_EQ(f->C_CreateObject(rw, tok_pub, 5, nullptr), CKR_ARGUMENTS_BAD);
    ASSERT_EQ(f->C_CreateObject(rw, tok_pub, 5, &o1), CKR_OK);
    // Session objects are fine in a R/O session.
    CK_ATTRIBUTE ses_pub[] = {
        {CKA_CLASS, &cls_data, sizeof cls_data}, {CKA_PRIVATE, &no, 1}, {CKA_LABEL, label, 8}};
    ASSERT_EQ(f->C_CreateObject(ro, ses_pub, 3, &o2), CKR_OK);
    // Private objects need the user.
    CK_ATTRIBUTE tok_priv[] = {{CKA_CLASS, &cls_data, sizeof cls_data},
                               {CKA_TOKEN, &yes, 1},
                               {CKA_PRIVATE, &yes, 1},
                               {CKA_LABEL, label, 8}};
    EXPECT_EQ(f->C_CreateObject(rw, tok_priv, 4, &o3), CKR_USER_NOT_LOGGED_IN);
    ASSERT_EQ(f->C_Login(rw, CKU_USER, u8(user_pin), len_of(user_pin)), CKR_OK);
    ASSERT_EQ(f->C_CreateObject(rw, tok_priv, 4, &o3), CKR_OK);
    CK_ATTRIBUTE ses_priv[] = {
        {CKA_CLASS, &cls_data, sizeof cls_data}, {CKA_PRIVATE, &yes, 1}, {CKA_LABEL, label, 8}};
    ASSERT_EQ(f->C_CreateObject(rw, ses_priv, 3, &o4), CKR_OK);

    CK_ATTRIBUTE by_label[] = {{CKA_LABEL, label, 8}};
    EXPECT_EQ(find(ro, {by_label[0]}).size(), 4u);
    CK_ATTRIBUTE only_token[] = {{CKA_LABEL, label, 8}, {CKA_TOKEN, &yes, 1}};
    EXPECT_EQ(find(ro, {only_token[0], only_token[1]}).size(), 2u);
    ASSERT_EQ(f->C_Logout(rw), CKR_OK);
    auto visible = find(ro, {by_label[0]});
    EXPECT_EQ(visible.size(), 2u);  // private ones are hidden
    std::uint8_t buf[8];
    CK_ATTRIBUTE get{CKA_LABEL, buf, sizeof buf};
    EXPECT_EQ(f->C_GetAttributeValue(ro, o3, &get, 1), CKR_OBJECT_HANDLE_INVALID);
    // Logout destroys private session objects (their handles with them) and keeps public ones;
    // logging in again does not bring the private session object back.
    EXPECT_EQ(f->C_GetAttributeValue(ro, o4, &get, 1), CKR_OBJECT_HANDLE_INVALID);
    EXPECT_EQ(f->C_GetAttributeValue(ro, o2, &get, 1), CKR_OK);
    ASSERT_EQ(f->C_Login(rw, CKU_USER, u8(user_pin), len_of(user_pin)), CKR_OK);
    EXPECT_EQ(f->C_GetAttributeValue(ro, o4, &get, 1), CKR_OBJECT_HANDLE_INVALID);
    EXPECT_EQ(f->C_GetAttributeValue(ro, o3, &get, 1), CKR_OK);
    EXPECT_EQ(find(ro, {by_label[0]}).size(), 3u);
    ASSERT_EQ(f->C_Logout(rw), CKR_OK);
    // Session objects die with their session; token objects persist.
    ASSERT_EQ(f->C_CloseSession(ro), CKR_OK);
    CK_SESSION_HANDLE again = open(s, false);
    EXPECT_EQ(f->C_GetAttributeValue(again, o2, &get, 1), CKR_OBJECT_HANDLE_INVALID);
    EXPECT_EQ(f->C_GetAttributeValue(again, o1, &get, 1), CKR_OK);
    // Destroy: token objects need R/W.
    EXPECT_EQ(f->C_DestroyObject(again, o1), CKR_SESSION_READ_ONLY);
    EXPECT_EQ(f->C_DestroyObject(rw, o1), CKR_OK);
    EXPECT_EQ(f->C_DestroyObject(rw, o1), CKR_OBJECT_HANDLE_INVALID);
    EXPECT_TRUE(find(again, {by_label[0]}).empty());
}

TEST_F(P11Test, AttributeQueriesAndErrors) {
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = open(s);
    char label[] = "abcdef";
    std::uint8_t value[] = {9, 8, 7, 6};
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls_data, sizeof cls_data},
                        {CKA_PRIVATE, &no, 1},
                        {CKA_LABEL, label, 6},
                        {CKA_VALUE, value, 4}};
    CK_OBJECT_HANDLE o;
    ASSERT_EQ(f->C_CreateObject(h, t, 4, &o), CKR_OK);
    // Length query, exact buffer, short buffer, unknown type, all in one call.
    std::uint8_t big[16], small[2];
    CK_ATTRIBUTE q[] = {{CKA_LABEL, nullptr, 0},
                        {CKA_VALUE, big, sizeof big},
                        {CKA_LABEL, small, sizeof small},
                        {CKA_KEY_TYPE, big, sizeof big}};
    CK_RV rv = f->C_GetAttributeValue(h, o, q, 4);
    EXPECT_TRUE(rv == CKR_BUFFER_TOO_SMALL || rv == CKR_ATTRIBUTE_TYPE_INVALID);
    EXPECT_EQ(q[0].ulValueLen, 6u);
    EXPECT_EQ(q[1].ulValueLen, 4u);
    EXPECT_EQ(std::memcmp(big, value, 4), 0);
    EXPECT_EQ(q[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    EXPECT_EQ(q[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    CK_ATTRIBUTE one{CKA_LABEL, small, sizeof small};
    EXPECT_EQ(f->C_GetAttributeValue(h, o, &one, 1), CKR_BUFFER_TOO_SMALL);
    CK_ATTRIBUTE kt{CKA_KEY_TYPE, big, sizeof big};
    EXPECT_EQ(f->C_GetAttributeValue(h, o, &kt, 1), CKR_ATTRIBUTE_TYPE_INVALID);
    EXPECT_EQ(f->C_GetAttributeValue(h, o + 1000, &one, 1), CKR_OBJECT_HANDLE_INVALID);
    EXPECT_EQ(f->C_GetAttributeValue(h, o, nullptr, 1), CKR_ARGUMENTS_BAD);
    // Defaults of a data object.
    EXPECT_EQ(attr(h, o, CKA_TOKEN), Bytes{CK_FALSE});
    EXPECT_EQ(attr(h, o, CKA_MODIFIABLE), Bytes{CK_TRUE});
    EXPECT_EQ(attr(h, o, CKA_APPLICATION), Bytes{});
    // Set: label changes; class is read-only; bad values and foreign types are refused.
    char nl[] = "renamed";
    CK_ATTRIBUTE set_label{CKA_LABEL, nl, 7};
    EXPECT_EQ(f->C_SetAttributeValue(h, o, &set_label, 1), CKR_OK);
    EXPECT_EQ(attr(h, o, CKA_LABEL), Bytes(nl, nl + 7));
    CK_OBJECT_CLASS other = CKO_CERTIFICATE;
    CK_ATTRIBUTE set_cls{CKA_CLASS, &other, sizeof other};
    EXPECT_EQ(f->C_SetAttributeValue(h, o, &set_cls, 1), CKR_ATTRIBUTE_READ_ONLY);
    CK_ATTRIBUTE set_foreign{CKA_SIGN, &yes, 1};
    EXPECT_EQ(f->C_SetAttributeValue(h, o, &set_foreign, 1), CKR_ATTRIBUTE_TYPE_INVALID);
    std::uint8_t two = 2;
    CK_ATTRIBUTE bad_bool{CKA_PRIVATE, &two, 1};
    CK_ATTRIBUTE t2[] = {{CKA_CLASS, &cls_data, sizeof cls_data}, bad_bool};
    EXPECT_EQ(f->C_CreateObject(h, t2, 2, &o), CKR_ATTRIBUTE_VALUE_INVALID);
    CK_ATTRIBUTE t3[] = {{CKA_LABEL, label, 6}};
    EXPECT_EQ(f->C_CreateObject(h, t3, 1, &o), CKR_TEMPLATE_INCOMPLETE);
    CK_ATTRIBUTE t4[] = {
        {CKA_CLASS, &cls_data, sizeof cls_data}, {CKA_LABEL, label, 6}, {CKA_LABEL, label, 3}};
    EXPECT_EQ(f->C_CreateObject(h, t4, 3, &o), CKR_TEMPLATE_INCONSISTENT);
    // CKA_MODIFIABLE = false forbids changes; copy and destroy follow their own flags.
    CK_ATTRIBUTE t5[] = {{CKA_CLASS, &cls_data, sizeof cls_data},
                         {CKA_PRIVATE, &no, 1},
                         {CKA_MODIFIABLE, &no, 1},
                         {CKA_COPYABLE, &no, 1},
                         {CKA_DESTROYABLE, &no, 1}};
    CK_OBJECT_HANDLE fixed, copy;
    ASSERT_EQ(f->C_CreateObject(h, t5, 5, &fixed), CKR_OK);
    EXPECT_EQ(f->C_SetAttributeValue(h, fixed, &set_label, 1), CKR_ACTION_PROHIBITED);
    EXPECT_EQ(f->C_CopyObject(h, fixed, nullptr, 0, &copy), CKR_ACTION_PROHIBITED);
    EXPECT_EQ(f->C_DestroyObject(h, fixed), CKR_ACTION_PROHIBITED);
    // Copy with a new label.
    char cl[] = "copy";
    CK_ATTRIBUTE ct{CKA_LABEL, cl, 4};
    ASSERT_EQ(f->C_CopyObject(h, o - 0, &ct, 1, &copy), CKR_OK);
    EXPECT_EQ(attr(h, copy, CKA_LABEL), Bytes(cl, cl + 4));
    EXPECT_EQ(attr(h, copy, CKA_VALUE), Bytes(value, value + 4));
    CK_ULONG size = 0;
    EXPECT_EQ(f->C_GetObjectSize(h, copy, &size), CKR_OK);
}

TEST_F(P11Test, FindOperationRules) {
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = open(s);
    CK_OBJECT_HANDLE out[2];
    CK_ULONG n = 0;
    EXPECT_EQ(f->C_FindObjects(h, out, 2, &n), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_FindObjectsFinal(h), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_FindObjectsInit(h, nullptr, 1), CKR_ARGUMENTS_BAD);
    for (int i = 0; i < 3; ++i) {
        CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls_data, sizeof cls_data}, {CKA_PRIVATE, &no, 1}};
        CK_OBJECT_HANDLE o;
        ASSERT_EQ(f->C_CreateObject(h, t, 2, &o), CKR_OK);
    }
    ASSERT_EQ(f->C_FindObjectsInit(h, nullptr, 0), CKR_OK);
    EXPECT_EQ(f->C_FindObjectsInit(h, nullptr, 0), CKR_OPERATION_ACTIVE);
    EXPECT_EQ(f->C_FindObjects(h, nullptr, 2, &n), CKR_ARGUMENTS_BAD);
    ASSERT_EQ(f->C_FindObjects(h, out, 2, &n), CKR_OK);
    EXPECT_EQ(n, 2u);
    ASSERT_EQ(f->C_FindObjects(h, out, 2, &n), CKR_OK);
    EXPECT_EQ(n, 1u);
    ASSERT_EQ(f->C_FindObjects(h, out, 2, &n), CKR_OK);
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(f->C_FindObjectsFinal(h), CKR_OK);
    // A template no object matches.
    CK_OBJECT_CLASS cert = CKO_CERTIFICATE;
    CK_ATTRIBUTE t{CKA_CLASS, &cert, sizeof cert};
    EXPECT_TRUE(find(h, {t}).empty());
}

TEST_F(P11Test, CertificatesNeedTheirAttributes) {
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = open(s);
    CK_OBJECT_CLASS cc = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    std::uint8_t subject[] = {0x30, 0x00}, der[] = {0x30, 0x03, 0x02, 0x01, 0x01}, id[] = {0x42};
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cc, sizeof cc},
                        {CKA_CERTIFICATE_TYPE, &x509, sizeof x509},
                        {CKA_TOKEN, &yes, 1},
                        {CKA_SUBJECT, subject, 2},
                        {CKA_ID, id, 1},
                        {CKA_VALUE, der, sizeof der}};
    CK_OBJECT_HANDLE o;
    EXPECT_EQ(f->C_CreateObject(h, t, 5, &o), CKR_TEMPLATE_INCOMPLETE);  // no CKA_VALUE
    ASSERT_EQ(f->C_CreateObject(h, t, 6, &o), CKR_OK);
    EXPECT_EQ(attr(h, o, CKA_VALUE), Bytes(der, der + sizeof der));
    EXPECT_EQ(attr_ulong(h, o, CKA_CERTIFICATE_TYPE), CKC_X_509);
    EXPECT_EQ(attr(h, o, CKA_PRIVATE), Bytes{CK_FALSE});
    // CKA_TRUSTED may be set only by the SO.
    CK_ATTRIBUTE trusted{CKA_TRUSTED, &yes, 1};
    EXPECT_EQ(f->C_SetAttributeValue(h, o, &trusted, 1), CKR_ATTRIBUTE_READ_ONLY);
    CK_ATTRIBUTE value{CKA_VALUE, der, sizeof der};
    EXPECT_EQ(f->C_SetAttributeValue(h, o, &value, 1), CKR_ATTRIBUTE_READ_ONLY);
}

// ---- promise 1: private keys never leave the token ----

TEST_F(P11Test, PrivateKeysAreNonExportable) {
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = user_session(s);
    KeyPair kp = generate(h, oid_tc26_256_a, false, true);
    attr(h, kp.priv, CKA_VALUE, CKR_ATTRIBUTE_SENSITIVE);
    CK_ATTRIBUTE v{CKA_VALUE, nullptr, 0};
    EXPECT_EQ(f->C_GetAttributeValue(h, kp.priv, &v, 1), CKR_ATTRIBUTE_SENSITIVE);
    EXPECT_EQ(v.ulValueLen, CK_UNAVAILABLE_INFORMATION);
    EXPECT_EQ(attr(h, kp.priv, CKA_SENSITIVE), Bytes{CK_TRUE});
    EXPECT_EQ(attr(h, kp.priv, CKA_EXTRACTABLE), Bytes{CK_FALSE});
    EXPECT_EQ(attr(h, kp.priv, CKA_ALWAYS_SENSITIVE), Bytes{CK_TRUE});
    EXPECT_EQ(attr(h, kp.priv, CKA_NEVER_EXTRACTABLE), Bytes{CK_TRUE});
    EXPECT_EQ(attr(h, kp.priv, CKA_LOCAL), Bytes{CK_TRUE});
    EXPECT_EQ(attr(h, kp.priv, CKA_PRIVATE), Bytes{CK_TRUE});
    EXPECT_EQ(attr_ulong(h, kp.priv, CKA_KEY_GEN_MECHANISM), CKM_GOSTR3410_KEY_PAIR_GEN);
    EXPECT_EQ(attr_ulong(h, kp.priv, CKA_KEY_TYPE), CKK_GOSTR3410);
    EXPECT_EQ(attr(h, kp.priv, CKA_GOSTR3410_PARAMS), oid_tc26_256_a);
    EXPECT_EQ(attr(h, kp.pub, CKA_GOSTR3410_PARAMS), oid_tc26_256_a);
    EXPECT_EQ(attr(h, kp.pub, CKA_GOSTR3411_PARAMS), oid_streebog256);
    EXPECT_EQ(attr(h, kp.pub, CKA_VALUE).size(), 64u);
    EXPECT_EQ(attr_ulong(h, kp.pub, CKA_CLASS), CKO_PUBLIC_KEY);

    // No relaxing, by set or by copy.
    CK_ATTRIBUTE relax1{CKA_SENSITIVE, &no, 1}, relax2{CKA_EXTRACTABLE, &yes, 1};
    EXPECT_EQ(f->C_SetAttributeValue(h, kp.priv, &relax1, 1), CKR_ATTRIBUTE_READ_ONLY);
    EXPECT_EQ(f->C_SetAttributeValue(h, kp.priv, &relax2, 1), CKR_ATTRIBUTE_READ_ONLY);
    CK_OBJECT_HANDLE c;
    EXPECT_EQ(f->C_CopyObject(h, kp.priv, &relax1, 1, &c), CKR_ATTRIBUTE_READ_ONLY);
    EXPECT_EQ(f->C_CopyObject(h, kp.priv, &relax2, 1, &c), CKR_ATTRIBUTE_READ_ONLY);
    CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
    EXPECT_EQ(f->C_SetAttributeValue(h, kp.priv, &value, 1), CKR_ATTRIBUTE_READ_ONLY);
    // A copy keeps the protection.
    ASSERT_EQ(f->C_CopyObject(h, kp.priv, nullptr, 0, &c), CKR_OK);
    EXPECT_EQ(attr(h, c, CKA_SENSITIVE), Bytes{CK_TRUE});
    attr(h, c, CKA_VALUE, CKR_ATTRIBUTE_SENSITIVE);

    // Weaker templates are refused at generation.
    CK_MECHANISM gm{CKM_GOSTR3410_KEY_PAIR_GEN, nullptr, 0};
    CK_ATTRIBUTE pub[] = {{CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(oid_tc26_256_a.data()),
                           oid_tc26_256_a.size()}};
    CK_OBJECT_HANDLE p, k;
    EXPECT_EQ(f->C_GenerateKeyPair(h, &gm, pub, 1, &relax1, 1, &p, &k),
              CKR_ATTRIBUTE_VALUE_INVALID);
    EXPECT_EQ(f->C_GenerateKeyPair(h, &gm, pub, 1, &relax2, 1, &p, &k),
              CKR_ATTRIBUTE_VALUE_INVALID);
    CK_ATTRIBUTE local{CKA_LOCAL, &yes, 1};
    EXPECT_EQ(f->C_GenerateKeyPair(h, &gm, pub, 1, &local, 1, &p, &k), CKR_ATTRIBUTE_READ_ONLY);
    // Wrapping a private key is refused.
    CK_MECHANISM wm{CKM_GOST28147_KEY_WRAP, nullptr, 0};
    std::uint8_t out[256];
    CK_ULONG n = sizeof out;
    EXPECT_EQ(f->C_WrapKey(h, &wm, kp.pub, kp.priv, out, &n), CKR_KEY_UNEXTRACTABLE);
}

TEST_F(P11Test, PrivateKeyImportOnlyIntoTheTokenAndSensitive) {
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = user_session(s);
    CK_OBJECT_CLASS pk = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt = CKK_GOSTR3410;
    // RFC 7091 §7.1 example key on the 2001 test curve (little-endian scalar below).
    Bytes d = hex("7a929ade789bb9be10ed359dd39a72c11b60961f49397eee1d19ce9891ec3b28");
    Bytes d_le(d.rbegin(), d.rend());
    Bytes test_oid = hex("06072a850302022300");
    CK_ATTRIBUTE base[] = {{CKA_CLASS, &pk, sizeof pk},
                           {CKA_KEY_TYPE, &kt, sizeof kt},
                           {CKA_GOSTR3410_PARAMS, test_oid.data(), test_oid.size()},
                           {CKA_VALUE, d_le.data(), d_le.size()},
                           {CKA_SIGN, &yes, 1},
                           {CKA_TOKEN, &no, 1},
                           {CKA_SENSITIVE, &yes, 1}};
    CK_OBJECT_HANDLE o;
    EXPECT_EQ(f->C_CreateObject(h, base, 7, &o), CKR_TEMPLATE_INCONSISTENT);  // session: refused
    base[5].pValue = &yes;
    base[6].pValue = &no;
    EXPECT_EQ(f->C_CreateObject(h, base, 7, &o), CKR_ATTRIBUTE_VALUE_INVALID);  // not sensitive
    ASSERT_EQ(f->C_CreateObject(h, base, 6, &o), CKR_OK);
    EXPECT_EQ(attr(h, o, CKA_SENSITIVE), Bytes{CK_TRUE});
    EXPECT_EQ(attr(h, o, CKA_EXTRACTABLE), Bytes{CK_FALSE});
    EXPECT_EQ(attr(h, o, CKA_ALWAYS_SENSITIVE), Bytes{CK_FALSE});  // it was seen in clear
    EXPECT_EQ(attr(h, o, CKA_LOCAL), Bytes{CK_FALSE});
    attr(h, o, CKA_VALUE, CKR_ATTRIBUTE_SENSITIVE);
    // Out-of-range scalars are refused.
    Bytes zero(32, 0);
    base[3] = {CKA_VALUE, zero.data(), zero.size()};
    EXPECT_EQ(f->C_CreateObject(h, base, 6, &o), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(P11Test, KeyPairGenerationErrors) {
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE pub_session = open(s);
    CK_MECHANISM gm{CKM_GOSTR3410_KEY_PAIR_GEN, nullptr, 0};
    CK_ATTRIBUTE pub[] = {{CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(oid_tc26_256_a.data()),
                           oid_tc26_256_a.size()}};
    CK_OBJECT_HANDLE p, k;
    EXPECT_EQ(f->C_GenerateKeyPair(pub_session, &gm, pub, 1, nullptr, 0, &p, &k),
              CKR_USER_NOT_LOGGED_IN);
    CK_SESSION_HANDLE h = user_session(s);
    EXPECT_EQ(f->C_GenerateKeyPair(h, nullptr, pub, 1, nullptr, 0, &p, &k), CKR_ARGUMENTS_BAD);
    EXPECT_EQ(f->C_GenerateKeyPair(h, &gm, pub, 1, nullptr, 0, nullptr, &k), CKR_ARGUMENTS_BAD);
    EXPECT_EQ(f->C_GenerateKeyPair(h, &gm, nullptr, 0, nullptr, 0, &p, &k),
              CKR_TEMPLATE_INCOMPLETE);
    Bytes unknown = hex("06032a0304");
    CK_ATTRIBUTE bad[] = {{CKA_GOSTR3410_PARAMS, unknown.data(), unknown.size()}};
    EXPECT_EQ(f->C_GenerateKeyPair(h, &gm, bad, 1, nullptr, 0, &p, &k), CKR_DOMAIN_PARAMS_INVALID);
    CK_ATTRIBUTE wrong_size[] = {{CKA_GOSTR3410_PARAMS,
                                  const_cast<std::uint8_t*>(oid_tc26_512_a.data()),
                                  oid_tc26_512_a.size()}};
    EXPECT_EQ(f->C_GenerateKeyPair(h, &gm, wrong_size, 1, nullptr, 0, &p, &k),
              CKR_TEMPLATE_INCONSISTENT);
    CK_MECHANISM rsa{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    EXPECT_EQ(f->C_GenerateKeyPair(h, &rsa, pub, 1, nullptr, 0, &p, &k), CKR_MECHANISM_INVALID);
    std::uint8_t junk = 0;
    CK_MECHANISM with_param{CKM_GOSTR3410_KEY_PAIR_GEN, &junk, 1};
    EXPECT_EQ(f->C_GenerateKeyPair(h, &with_param, pub, 1, nullptr, 0, &p, &k),
              CKR_MECHANISM_PARAM_INVALID);
    CK_KEY_TYPE rsa_kt = CKK_RSA;
    CK_ATTRIBUTE wrong_kt[] = {pub[0], {CKA_KEY_TYPE, &rsa_kt, sizeof rsa_kt}};
    EXPECT_EQ(f->C_GenerateKeyPair(h, &gm, wrong_kt, 2, nullptr, 0, &p, &k),
              CKR_TEMPLATE_INCONSISTENT);
    // Token keys need a R/W session.
    CK_SESSION_HANDLE ro = open(s, false);
    CK_ATTRIBUTE tok[] = {{CKA_TOKEN, &yes, 1}};
    EXPECT_EQ(f->C_GenerateKeyPair(ro, &gm, pub, 1, tok, 1, &p, &k), CKR_SESSION_READ_ONLY);
    // 512-bit keys.
    KeyPair kp = generate(h, oid_tc26_512_c, true);
    EXPECT_EQ(attr_ulong(h, kp.priv, CKA_KEY_TYPE), CKK_GOSTR3410_512);
    EXPECT_EQ(attr(h, kp.pub, CKA_VALUE).size(), 128u);
    EXPECT_EQ(attr(h, kp.pub, CKA_GOSTR3411_PARAMS), oid_streebog512);
}
