"""Where spools go when nobody says. sohoa-scand's default spool_dir lies in
the directory systemd/tmpfiles.d makes for spools, which the scand unit may
write (ReadWritePaths; the rest of the system is read-only to it), and so
does the spool the unit sets per station. sohoactl import with no --spool,
$SOHOA_SPOOL, $XDG_STATE_HOME or $HOME refuses and says so, rather than
spooling into the current directory, where a rerun from elsewhere would
not find the pages; with $HOME it uses ~/.local/state/sohoa/import."""

import os
import re
from pathlib import Path

import harness as h

SYSTEMD = h.SOURCE_DIR / "systemd"
NO_HOME = {"HOME": None, "XDG_STATE_HOME": None, "SOHOA_SPOOL": None}


def under(path, top):
    return Path(path) == Path(top) or Path(top) in Path(path).parents


def tmpfiles_dirs():
    """The directories tmpfiles.d/sohoa.conf makes ('d' lines)."""
    dirs = []
    for line in (SYSTEMD / "tmpfiles.d" / "sohoa.conf").read_text().splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] == "d":
            dirs.append(f[1])
    return dirs


def scand_unit():
    """(the unit's --set scand.spool_dir, its ReadWritePaths), continuation lines joined;
    read from its template (meson fills in the install paths only)."""
    text = (SYSTEMD / "sohoa-scand@.service.in").read_text().replace("\\\n", " ")
    m = re.search(r"--set scand\.spool_dir=(\S+)", text)
    h.check(m, "the scand unit sets scand.spool_dir")
    rw = []
    for line in text.splitlines():
        if line.startswith("ReadWritePaths="):
            rw += line.split("=", 1)[1].split()
    return m.group(1).replace("%i", "desk1"), rw


def scand_default():
    cp = h.run(["sohoa-scand", "--show-config"])
    m = re.search(r"^spool_dir = (\S+)$", cp.stdout, re.M)
    h.check(m, "spool_dir in sohoa-scand --show-config:\n" + cp.stdout)
    return m.group(1)


def check_scand():
    default, (unit, rw) = scand_default(), scand_unit()
    spool_tops = [d for d in tmpfiles_dirs() if Path(d).name == "spool"]
    h.check(spool_tops, "tmpfiles.d/sohoa.conf makes a spool directory: %s" % tmpfiles_dirs())
    for what, p in (("sohoa-scand's default spool_dir", default), ("the unit's spool_dir", unit)):
        h.check(any(under(p, t) for t in spool_tops),
                "%s %s lies in a directory tmpfiles.d makes (%s)" % (what, p, spool_tops))
        h.check(any(under(p, t) for t in rw), "%s %s is writable under the unit (ReadWritePaths %s)" % (what, p, rw))


def check_import():
    look = ["sohoactl", "import", "--broker", h.ipc_endpoint("nobody"), "--no-wait", "--quiet"]
    cwd = h.path("cwd")
    cwd.mkdir()
    cp = h.run(look, env=NO_HOME, cwd=cwd, check=False)
    h.check_eq(cp.returncode, 1, "exit status of an import with no home for its spool")
    h.check("--spool" in cp.stderr, "the error says to give --spool:\n" + cp.stderr)
    h.check_eq(sorted(os.listdir(cwd)), [], "files made in the current directory")

    home = h.path("home")
    cp = h.run(look, env=dict(NO_HOME, HOME=home), cwd=cwd, check=False)
    h.check_eq(cp.returncode, 0, "exit status of an import with only $HOME:\n" + cp.stderr)
    h.check((home / ".local/state/sohoa/import/lock").exists(), "the spool is ~/.local/state/sohoa/import")


def main():
    check_scand()
    check_import()


h.run_test(main)
