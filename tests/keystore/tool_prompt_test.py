#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# gostcsp-tool's PIN prompt on a real pseudo-terminal: the PIN is read with echo off, never shown,
# and a mistyped confirmation is refused. Usage: tool_prompt_test.py /path/to/gostcsp-tool
import os
import pty
import select
import shutil
import sys
import tempfile
import termios
import time

tool = sys.argv[1]
work = tempfile.mkdtemp(prefix="gostcsp-pty.")
conf = os.path.join(work, "gostcsp.conf")
with open(conf, "w") as f:
    f.write("test_token = true\nkdf_iterations = 64\n")
env = dict(os.environ, GOSTCSP_CONF=conf, GOSTCSP_TOKEN_DIR=os.path.join(work, "tokens"))


def session(args, answers):
    """Runs the tool on a pty, answering each prompt in turn; returns (exit status, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(tool, [tool] + args, env)
    out = b""
    pending = list(answers)
    deadline = time.time() + 30
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            while pending and out.count(b"PIN: ") > len(answers) - len(pending):
                os.write(fd, pending.pop(0) + b"\n")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


failures = 0
secret = b"Pty-Secret-4711"
rc, out = session(["init-token", "--label", "pty"], [secret, secret])
if rc != 0 or "initialised token 'pty'" not in out:
    print("FAIL: init-token through the prompt:", rc, out)
    failures += 1
if secret.decode() in out:
    print("FAIL: the PIN was echoed:", out)
    failures += 1
rc, out = session(["unblock"], [secret, b"User-Pin-0815", b"User-Pin-0816"])
if rc != 1 or "differ" not in out:
    print("FAIL: a mistyped confirmation must be refused:", rc, out)
    failures += 1
if "User-Pin" in out or secret.decode() in out:
    print("FAIL: a PIN was echoed:", out)
    failures += 1
def dialogue(args, steps):
    """Runs the tool on a pty; steps = [(prompt ending, answer)], answered in order."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(tool, [tool] + args, env)
    out = b""
    pending = list(steps)
    seen = 0
    deadline = time.time() + 30
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            while pending and out.count(pending[0][0]) > seen:
                trigger, answer = pending.pop(0)
                seen = 0 if not pending or pending[0][0] != trigger else out.count(trigger)
                os.write(fd, answer + b"\n")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


# Destructive commands ask on the terminal: "n" changes nothing, "y" goes ahead.
rc, out = dialogue(["init-token", "--token", "pty", "--label", "pty2"], [(b"[y/N] ", b"n")])
if rc != 1 or "every object on it will be destroyed. Continue? [y/N]" not in out or \
        "cancelled, nothing was changed" not in out:
    print("FAIL: declining the re-initialisation must cancel it:", rc, out)
    failures += 1
rc, out = dialogue(["init-token", "--token", "pty", "--label", "pty2"],
                   [(b"[y/N] ", b"y"), (b"PIN: ", secret)])
if rc != 0 or "initialised token 'pty2'" not in out or secret.decode() in out:
    print("FAIL: confirming the re-initialisation on the terminal:", rc, out)
    failures += 1

# Ctrl-C at the prompt: the tool dies of SIGINT and leaves the terminal echoing again.
pid, fd = pty.fork()
if pid == 0:
    os.execve(tool, [tool, "change-pin"], env)
out = b""
deadline = time.time() + 30
while b"PIN: " not in out and time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        out += os.read(fd, 1024)
echo_during = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
os.write(fd, b"\x03")
_, status = os.waitpid(pid, 0)
echo_after = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
os.close(fd)
if echo_during or not os.WIFSIGNALED(status) or not echo_after:
    print("FAIL: echo during prompt", echo_during, "signalled", os.WIFSIGNALED(status),
          "echo restored", echo_after)
    failures += 1
shutil.rmtree(work, ignore_errors=True)
print("tool_prompt_test:", "all checks passed" if failures == 0 else f"{failures} failures")
sys.exit(1 if failures else 0)
