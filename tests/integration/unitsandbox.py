"""unitsandbox.py UNIT_FILE PROGRAM [ARGS...]: exec PROGRAM under the parts
of UNIT_FILE's [Service] sandbox that a process can put on itself, as
systemd would: SystemCallFilter= (allow list, then ~ lines taken out of
it; the sets expanded by this host's `systemd-analyze syscall-filter`),
SystemCallErrorNumber= for what the filter refuses, SystemCallArchitectures=
native, NoNewPrivileges=, and MemoryDenyWriteExecute= as the kernel's
prctl(PR_SET_MDWE) (Linux 6.3 or later). Exit 77 when the kernel or
python3-seccomp cannot do it."""

import ctypes
import errno
import os
import subprocess
import sys

PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1


def unit_settings(path):
    """[Service] KEY=VALUE lines, in order (a key may repeat)."""
    out, section = [], None
    for line in open(path):
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            out.append(tuple(line.split("=", 1)))
    return out


def expand(name, seen=None):
    """The system calls of a name: itself, or a set's members, sets within expanded."""
    if not name.startswith("@"):
        return {name}
    seen = seen if seen is not None else set()
    if name in seen:
        return set()
    seen.add(name)
    lines = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager", name], capture_output=True,
                           text=True, check=True).stdout.splitlines()
    calls = set()
    for line in lines[1:]:
        word = line.strip()
        if word and not word.startswith("#"):
            calls |= expand(word, seen)
    return calls


def allowed_calls(settings):
    allow = None
    for key, value in settings:
        if key != "SystemCallFilter":
            continue
        deny = value.startswith("~")
        names = set()
        for word in value.lstrip("~").split():
            names |= expand(word)
        if allow is None:
            if deny:
                sys.exit("unitsandbox.py: a deny-list filter is not handled")
            allow = names
        elif deny:
            allow -= names
        else:
            allow |= names
    return allow


def main():
    settings = unit_settings(sys.argv[1])
    keys = dict(settings)
    allow = allowed_calls(settings)
    if allow is not None:
        try:
            import seccomp
        except ImportError:
            sys.stderr.write("unitsandbox.py: no python3-seccomp\n")
            sys.exit(77)
        code = getattr(errno, keys.get("SystemCallErrorNumber", ""), None)
        f = seccomp.SyscallFilter(seccomp.ERRNO(code) if code else seccomp.KILL_PROCESS)
        for call in sorted(allow):
            try:
                f.add_rule(seccomp.ALLOW, call)
            except (RuntimeError, ValueError):
                pass  # unknown to libseccomp on this architecture: systemd skips it too
    if keys.get("MemoryDenyWriteExecute") == "yes":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
            sys.stderr.write("unitsandbox.py: prctl(PR_SET_MDWE): %s\n" % os.strerror(ctypes.get_errno()))
            sys.exit(77)
    if allow is not None:
        # LeakSanitizer (a build-test program) stops the threads with ptrace,
        # which @system-service refuses: the leak check cannot run in here.
        if "ptrace" not in allow:
            os.environ["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        f.load()  # sets no_new_privs first (libseccomp's default), as NoNewPrivileges=yes
    os.execv(sys.argv[2], sys.argv[2:])


main()
