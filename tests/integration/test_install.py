"""`meson install` into a fresh root puts every file where a Debian system
expects it: programs, units (which `systemd-analyze verify` accepts, their
programs and man pages found in that root), sysusers.d and tmpfiles.d
(which create the user and its directories there), example settings under
etc/sohoa (which --check-config accepts, and which name every key), man
pages (which name every key and every sohoactl command), the migrations and
the hooks. The units' hardening scores at most 2.0 with `systemd-analyze
security` (docs/OPERATIONS.md). The Debian packages have their own test
(tests/package/test_package.py, `./run package`)."""

import glob
import json
import os
import re
import shutil
import subprocess

import harness as h
import unitcheck

def build_option(name):
    out = subprocess.run(["/usr/bin/meson", "introspect", "--buildoptions", str(h.BUILD_DIR)],
                         capture_output=True, text=True, check=True).stdout
    for o in json.loads(out):
        if o["name"] == name:
            return o["value"]
    raise h.TestFailure("no build option %s" % name)


def keys_of(prog):
    """section.key of every key prog --help lists ("profile.mode" for scand's profile keys)."""
    out = h.run([prog, "--help"]).stdout
    return re.findall(r"^  ([a-z_]+\.[a-z_]+) ", out, re.M)


def check_names_every_key(prog, text, where):
    for key in keys_of(prog):
        name = key.split(".", 1)[1]
        h.check(re.search(r"(?<![a-z_])%s(?![a-z_])" % re.escape(name), text),
                "%s does not name %s's key %s" % (where, prog, key))


def check_relay(hooks):
    """relay.sh (the station's hook, in the sandbox) hands an event to
    desk-listen.sh (in the desktop session), which runs the desk's hooks with it."""
    relay_dir = h.path("relay")
    relay_dir.mkdir()
    seen = h.path("seen")
    hook = h.path("hook.sh")
    hook.write_text('#!/bin/sh\nprintf "%%s|%%s|%%s|%%s\\n" "$SOHOA_EVENT" "$SOHOA_STATION" "$SOHOA_MESSAGE_VI" '
                    '"$SOHOA_MESSAGE_EN" >>%s\n' % seen)
    hook.chmod(0o755)
    env = {"SOHOA_RELAY_DIR": str(relay_dir)}
    (relay_dir / "events-desk1").touch()
    listen = h.Proc("desk-listen", [str(hooks / "desk-listen.sh"), "desk1", str(hook)], env=env)
    h.wait_for(lambda: "tail" in subprocess.run(["ps", "-o", "comm=", "--ppid", str(listen.pid)],
                                                  capture_output=True, text=True).stdout,
               what="desk-listen to follow the events file")
    h.run([str(hooks / "relay.sh")], env=dict(env, SOHOA_EVENT="jam", SOHOA_STATION="desk1",
                                                 SOHOA_MESSAGE_VI="Kẹt giấy\tở khay", SOHOA_MESSAGE_EN="Paper jam"))
    h.wait_for(lambda: seen.exists() and seen.read_text(), what="the desk hook to run")
    h.check_eq(seen.read_text(), "jam|desk1|Kẹt giấy ở khay|Paper jam\n", "the event the desk hook saw")
    listen.term()


def main():
    if shutil.which("systemd-analyze") is None:
        h.skip("no systemd-analyze")
    root = h.path("root")
    h.run(["/usr/bin/meson", "install", "-C", h.BUILD_DIR, "--destdir", root, "--no-rebuild", "--quiet"],
          timeout=300)
    prefix = build_option("prefix")
    r = lambda p: root / p.lstrip("/")  # noqa: E731
    bindir = prefix + "/bin"

    for prog in ["sohoa-broker", "sohoa-worker", "sohoa-scand", "sohoactl"]:
        h.check(os.access(r(bindir) / prog, os.X_OK), "%s not installed in %s" % (prog, bindir))
    h.check(not (r(bindir) / "sohoa-pagetool").exists(), "a test tool is installed")

    unitdir = subprocess.run(["pkg-config", "--variable=systemdsystemunitdir", "systemd"],
                             capture_output=True, text=True).stdout.strip() or prefix + "/lib/systemd/system"
    for unit in unitcheck.UNITS:
        text = (r(unitdir) / unit).read_text()
        h.check("@bindir@" not in text and "ExecStart=%s/" % bindir in text,
                "%s does not start the installed program:\n%s" % (unit, text))
    h.check(any((r(d) / "sohoa.conf").exists() for d in ["/usr/lib/sysusers.d", prefix + "/lib/sysusers.d"]),
            "sysusers.d/sohoa.conf not installed")

    confdir = r(prefix if prefix != "/usr" else "/") / build_option("sysconfdir").lstrip("/") / "sohoa"
    examples = {"sohoa-broker": "broker.conf", "sohoa-worker": "worker.conf", "sohoa-scand": "scand.conf.example"}
    for prog, name in examples.items():
        p = confdir / name
        h.check(p.exists(), "%s not installed in %s" % (name, confdir))
        check_names_every_key(prog, p.read_text(), p)
        cp = h.run([prog, "--config", p, "--check-config"], check=False)
        h.check_eq(cp.returncode, 0, "%s --check-config of its installed example:\n%s" % (prog, cp.stderr))

    man = r(prefix) / "share" / "man"
    for prog, sec in [("sohoa-broker", 8), ("sohoa-worker", 8), ("sohoa-scand", 8), ("sohoactl", 1)]:
        page = man / ("man%d" % sec) / ("%s.%d" % (prog, sec))
        h.check(page.exists(), "man page %s not installed" % page)
        if prog != "sohoactl":
            check_names_every_key(prog, page.read_text(), page)
    sohoactl_page = (man / "man1" / "sohoactl.1").read_text()
    for cmd in re.findall(r"^  ([a-z]+) {2,}", h.run(["sohoactl", "--help"]).stdout, re.M):
        h.check(re.search(r"^\.SS %s\b" % cmd, sohoactl_page, re.M), "sohoactl(1) has no section for " + cmd)

    sql = sorted(os.path.basename(p) for p in glob.glob(str(h.SOURCE_DIR / "sql" / "*.sql")))
    h.check_eq(sorted(os.listdir(r(prefix) / "share" / "sohoa" / "sql")), sql, "installed migrations")
    hooks = r(prefix) / "share" / "sohoa" / "hooks"
    for hook in ["notify.sh", "speak.sh", "relay.sh", "desk-listen.sh"]:
        h.check(os.access(hooks / hook, os.X_OK), "hook %s not installed" % hook)
    check_relay(hooks)
    h.check((r(prefix) / "share" / "doc" / "sohoa" / "OPERATIONS.md").exists(), "OPERATIONS.md not installed")

    unitcheck.make_user(root)
    unitcheck.verify_units(root, unitdir, man)


h.run_test(main)
