// SPDX-License-Identifier: Apache-2.0
// PIN attempt rows and the liveness of the processes that own them.
#include "pin_attempts.hpp"

#include "gostcsp/keystore/testing.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace gostcsp::keystore::detail {
namespace {

std::string boot_id() {
    static const std::string id = [] {
        std::ifstream in("/proc/sys/kernel/random/boot_id");
        std::string s;
        std::getline(in, s);
        return s.empty() ? std::string("-") : s;
    }();
    return id;
}

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); 0 if unreadable. With
// the pid it names one process for the whole boot, so a reused pid is not mistaken for the owner.
std::uint64_t start_time(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(stat.substr(close + 2));
    std::string f;
    for (int i = 3; i <= 22 && fields >> f; ++i) {
        if (i == 22) return std::strtoull(f.c_str(), nullptr, 10);
    }
    return 0;
}

std::string my_owner() {
    const pid_t pid = ::getpid();
    return boot_id() + " " + std::to_string(pid) + " " + std::to_string(start_time(pid));
}

bool owner_alive(const std::string& owner) {
    std::istringstream in(owner);
    std::string boot;
    long long pid = 0;
    std::uint64_t start = 0;
    if (!(in >> boot >> pid >> start) || pid <= 0) return false;
    if (boot != boot_id()) return false;  // recorded before a reboot
    const auto p = static_cast<pid_t>(pid);
    if (start != 0) return start_time(p) == start;
    return ::kill(p, 0) == 0 || errno == EPERM;  // no /proc: the pid alone
}

struct Row {
    std::int64_t id;
    bool alive;
};

Result<std::vector<Row>> attempt_rows(Db& db, UserType who) {
    std::vector<Row> rows;
    Stmt s(db, "SELECT id, owner FROM pin_attempts WHERE user_type = ?");
    if (!s.prepared()) return rows;  // a file from before attempt rows existed
    s.bind(1, static_cast<std::int64_t>(who));
    Status st;
    while (s.step(st)) rows.push_back({s.column_int(0), owner_alive(s.column_text(1))});
    if (!st) return st;
    return rows;
}

}  // namespace

Result<AttemptRows> count_attempts(Db& db, UserType who) {
    auto rows = attempt_rows(db, who);
    if (!rows) return rows.status();
    AttemptRows n;
    for (const auto& r : *rows) ++(r.alive ? n.live : n.dead);
    return n;
}

Result<std::uint32_t> reap_dead_attempts(Db& db, UserType who) {
    auto rows = attempt_rows(db, who);
    if (!rows) return rows.status();
    std::uint32_t reaped = 0;
    for (const auto& r : *rows) {
        if (r.alive) continue;
        Stmt del(db, "DELETE FROM pin_attempts WHERE id = ?");
        del.bind(1, r.id);
        if (Status st = del.run(); !st) return st;
        ++reaped;
        if (auto hook = testing::verdict_hook()) hook('K');
    }
    if (reaped > 0) {
        Stmt inc(db, "UPDATE pins SET failed = failed + ? WHERE user_type = ?");
        inc.bind(1, static_cast<std::int64_t>(reaped));
        inc.bind(2, static_cast<std::int64_t>(who));
        if (Status st = inc.run(); !st) return st;
    }
    return reaped;
}

Result<std::int64_t> begin_attempt(Db& db, UserType who) {
    if (Status st = db.exec(pin_attempts_schema_sql); !st) return st;
    Stmt ins(db, "INSERT INTO pin_attempts (user_type, owner) VALUES (?, ?)");
    ins.bind(1, static_cast<std::int64_t>(who));
    ins.bind(2, my_owner());
    if (Status st = ins.run(); !st) return st;
    return db.last_insert_rowid();
}

Result<bool> end_attempt(Db& db, std::int64_t id) {
    Stmt del(db, "DELETE FROM pin_attempts WHERE id = ?");
    if (!del.prepared()) return false;
    del.bind(1, id);
    if (Status st = del.run(); !st) return st;
    return sqlite3_changes(db.handle()) == 1;
}

}  // namespace gostcsp::keystore::detail
