"""--check-config catches what start-up refuses, every error at once, each at
its file and line: unknown keys and log levels, missing or unreadable key
files, OCR languages without a traineddata file, a database conninfo that
does not parse, a config file that does not exist. And the key files that
sohoactl keygen writes as root are readable by the services' group."""

import grp
import os

import harness as h


def conf(name, text):
    p = h.path(name)
    p.write_text(text)
    return str(p)


def check_errors(prog, argv, expected, env=None):
    """prog --check-config fails, saying each of expected (in order); a start
    with the same arguments is refused with the same errors."""
    cp = h.run([prog] + argv + ["--check-config"], check=False, env=env)
    h.check(cp.returncode != 0, "%s --check-config passed:\n%s" % (prog, cp.stdout))
    at = 0
    for want in expected:
        i = cp.stderr.find(want, at)
        h.check(i >= 0, "%s --check-config does not say %r (in order) in:\n%s" % (prog, want, cp.stderr))
        at = i + len(want)
    h.check("%d error%s in the configuration" % (len(expected), "" if len(expected) == 1 else "s") in cp.stderr,
            "%s: not %d errors counted:\n%s" % (prog, len(expected), cp.stderr))
    start = h.run([prog] + argv, check=False, env=env, timeout=30)
    h.check(start.returncode != 0, "%s started with a configuration --check-config refuses" % prog)
    h.check(expected[0] in start.stderr, "%s start did not say %r:\n%s" % (prog, expected[0], start.stderr))


def main():
    missing_key = h.path("nowhere", "broker.key_secret")
    broker = conf("broker.conf", "\n".join([
        "[broker]",
        "log_level = loud",                                  # 2
        "curve_key_file = %s" % missing_key,                 # 3
        "authorized_keys_file = %s" % h.path("no_keys"),     # 4
        "stations_endpint = tcp://127.0.0.1:1",              # 5: a typo
        "heartbeat = soon",                                  # 6
        ""]))
    check_errors("sohoa-broker", ["--config", broker], [
        broker + ":5: unknown key \"stations_endpint\" in section [broker]",
        broker + ":6: \"soon\" is not a duration (broker.heartbeat)",
        broker + ":2: broker.log_level: unknown log level \"loud\"",
        broker + ":4: broker.authorized_keys_file: %s: No such file or directory" % h.path("no_keys"),
        broker + ":3: broker.curve_key_file: %s: No such file or directory" % missing_key,
    ])

    worker = conf("worker.conf", "\n".join([
        "[worker]",
        "languages = vie+xyz",                               # 2
        "database = host=db port",                           # 3
        "log_level = chatty",                                # 4
        ""]))
    check_errors("sohoa-worker", ["--config", worker], [
        worker + ":4: worker.log_level: unknown log level \"chatty\"",
        worker + ":2: worker.languages: language \"xyz\" is not installed: no ",
        worker + ":3: worker.database: not a libpq conninfo: missing \"=\" after \"port\"",
    ])
    # The same through --set and the environment: no line, but the --set named.
    check_errors("sohoa-worker", ["--set", "worker.languages=eng+zz"],
                 ["--set: worker.languages=eng+zz: language \"zz\" is not installed"])
    check_errors("sohoa-worker", [], ["$SOHOA_BROKER_KEY: %s: No such file" % h.path("gone.key"),
                                      "$SOHOA_CURVE_KEY: %s: No such file" % h.path("gone.key_secret")],
                 env={"SOHOA_BROKER_KEY": h.path("gone.key"), "SOHOA_CURVE_KEY": h.path("gone.key_secret")})
    check_errors("sohoa-worker", [], ["$SOHOA_DB: not a libpq conninfo"], env={"SOHOA_DB": "dbname"})

    absent = str(h.path("absent.conf"))
    check_errors("sohoa-broker", ["--config", absent], [absent + ": No such file or directory"])
    check_errors("sohoa-worker", ["--config", absent], [absent + ": No such file or directory"])

    # A file that is right passes, and says so.
    good = conf("good.conf", "[worker]\nlanguages = vie+eng\nlog_level = warning\ndatabase = dbname=sohoa\n")
    cp = h.run(["sohoa-worker", "--config", good, "--check-config"])
    h.check_eq(cp.stdout.strip(), good + ": configuration is valid", "check of a good file")

    # Keys as root for a service of another user: keygen gives the secret
    # file to the group; without that, --check-config (run as the service
    # user, as ExecStartPre= does) says how to fix it.
    if os.geteuid() != 0:
        return  # the rest needs another user
    keys = h.path("keys")
    keys.mkdir()
    os.chmod(h.workdir(), 0o755)
    os.chmod(keys, 0o755)
    h.run(["sohoactl", "keygen", "broker", "--dir", keys, "--group", "nogroup"])
    h.run(["sohoactl", "keygen", "private", "--dir", keys, "--group", ""])
    h.check_eq(oct(os.stat(keys / "broker.key_secret").st_mode & 0o777), "0o640", "shared secret file mode")
    h.check_eq(oct(os.stat(keys / "private.key_secret").st_mode & 0o777), "0o600", "private secret file mode")
    # As root with no group named: group sohoa, or, where it does not exist
    # (sohoa-common not installed), a message saying how to share the key.
    cp = h.run(["sohoactl", "keygen", "default", "--dir", keys])
    st = os.stat(keys / "default.key_secret")
    try:
        gid = grp.getgrnam("sohoa").gr_gid
        h.check_eq((oct(st.st_mode & 0o777), st.st_gid), ("0o640", gid), "secret file of keygen as root")
    except KeyError:
        h.check_eq(oct(st.st_mode & 0o777), "0o600", "secret file of keygen as root without group sohoa")
        fix = "chgrp GROUP %s" % (keys / "default.key_secret")
        h.check("no group sohoa" in cp.stderr and fix in cp.stderr,
                "keygen as root without group sohoa does not say how to share the key:\n" + cp.stderr)
    authorized = conf("authorized_keys", "")
    os.chmod(authorized, 0o644)
    as_nobody = ["runuser", "-u", "nobody", "--", h.program("sohoa-broker"), "--check-config",
                 "--set", "broker.authorized_keys_file=" + authorized]
    cp = h.run(as_nobody + ["--set", "broker.curve_key_file=%s" % (keys / "broker.key_secret")], check=False)
    h.check_eq(cp.returncode, 0, "check as nobody of a key keygen gave to group nogroup:\n" + cp.stderr)
    cp = h.run(as_nobody + ["--set", "broker.curve_key_file=%s" % (keys / "private.key_secret")], check=False)
    h.check(cp.returncode != 0, "a secret file only root reads passed the check as nobody")
    h.check("not readable by this user" in cp.stderr and "chgrp sohoa" in cp.stderr,
            "the check does not say how to fix an unreadable key file:\n" + cp.stderr)


h.run_test(main)
