"""The Debian packages `./run package` built (in $SOHOA_DEB_DIR): each holds
its files where Debian expects them, /etc/sohoa files are conffiles,
sohoa-common's postinst creates the user sohoa and its directories, and,
unpacked into a fresh root with that postinst run there (DPKG_ROOT), the
units pass `systemd-analyze verify` and score at most 2.0 with `security`.
Run by `./run package`, not by `./run test` (the build takes minutes)."""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
import harness as h  # noqa: E402
import unitcheck  # noqa: E402

# Package -> files it must hold (a few of each kind) and the conffiles it must mark.
PACKAGES = {
    "sohoa-common": (["usr/lib/sysusers.d/sohoa.conf", "usr/lib/tmpfiles.d/sohoa.conf",
                      "usr/share/doc/sohoa/OPERATIONS.md"], []),
    "sohoa-broker": (["usr/bin/sohoa-broker", "lib/systemd/system/sohoa-broker.service",
                      "usr/share/man/man8/sohoa-broker.8.gz"], ["/etc/sohoa/broker.conf"]),
    "sohoa-worker": (["usr/bin/sohoa-worker", "lib/systemd/system/sohoa-worker@.service",
                      "usr/share/man/man8/sohoa-worker.8.gz"], ["/etc/sohoa/worker.conf"]),
    "sohoa-station": (["usr/bin/sohoa-scand", "lib/systemd/system/sohoa-scand@.service",
                       "usr/share/man/man8/sohoa-scand.8.gz", "usr/share/sohoa/hooks/relay.sh"],
                      ["/etc/sohoa/scand.conf.example"]),
    "sohoa-cli": (["usr/bin/sohoactl", "usr/share/man/man1/sohoactl.1.gz", "usr/share/sohoa/sql/001-core.sql"],
                  []),
}


def deb_of(debdir, name):
    found = sorted(p for p in debdir.glob(name + "_*.deb"))
    h.check(found, "no %s_*.deb in %s" % (name, debdir))
    return found[-1]


def dpkg_deb(*args):
    return subprocess.run(["dpkg-deb"] + [str(a) for a in args], capture_output=True, text=True,
                          check=True).stdout


def main():
    debdir = Path(os.environ.get("SOHOA_DEB_DIR", h.SOURCE_DIR / "var" / "package"))
    root = h.path("root")
    root.mkdir()
    for name, (files, conffiles) in PACKAGES.items():
        deb = deb_of(debdir, name)
        listing = dpkg_deb("-c", deb)
        for f in files:
            h.check(" ./%s" % f in listing or " ./%s -> " % f in listing, "%s does not hold /%s:\n%s" % (deb.name, f, listing))
        marked = subprocess.run(["dpkg-deb", "-I", str(deb), "conffiles"], capture_output=True, text=True).stdout.split()
        h.check_eq(sorted(marked), sorted(conffiles), "conffiles of " + deb.name)
        dpkg_deb("-x", deb, root)
        dpkg_deb("-e", deb, h.path("control-" + name))
    # sohoa-common's postinst, run in the root (dpkg's DPKG_ROOT) once every
    # package is unpacked, as dpkg configures them.
    (root / "etc").mkdir(exist_ok=True)
    postinst = (h.path("control-sohoa-common") / "postinst").read_text()
    h.check("systemd-sysusers" in postinst, "sohoa-common's postinst does not create the user:\n" + postinst)
    h.run(["sh", h.path("control-sohoa-common") / "postinst", "configure", ""], env={"DPKG_ROOT": str(root)})
    h.check(dpkg_deb("-f", deb_of(debdir, "sohoa-worker"), "Depends").find("tesseract-ocr-vie") >= 0,
            "sohoa-worker does not depend on the Vietnamese model")

    # The postinst made the user and its directories in the root.
    pw = (root / "etc" / "passwd").read_text()
    h.check(pw.startswith("sohoa:") or "\nsohoa:" in pw, "no user sohoa after sohoa-common's postinst:\n" + pw)
    uid = int([line for line in pw.splitlines() if line.startswith("sohoa:")][0].split(":")[2])
    for d in ["var/lib/sohoa/spool", "run/sohoa"]:
        h.check_eq(os.stat(root / d).st_uid, uid, "owner of /%s after the postinst" % d)

    # The packaged programs run (their libraries are this host's).
    out = subprocess.run([str(root / "usr/bin/sohoa-broker"), "--version"], capture_output=True, text=True)
    h.check_eq(out.stdout.strip(), "sohoa-broker " + dpkg_deb("-f", deb_of(debdir, "sohoa-broker"), "Version").strip(),
               "packaged broker's version")
    cp = h.run([str(root / "usr/bin/sohoa-broker"), "--config", root / "etc/sohoa/broker.conf", "--check-config"])
    h.check("configuration is valid" in cp.stdout, "the packaged broker.conf does not check")

    unitcheck.verify_units(root, "/lib/systemd/system", root / "usr/share/man")


h.run_test(main)
