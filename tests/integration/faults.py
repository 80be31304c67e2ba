"""File-operation faults for a program under test, through the LD_PRELOAD
shim tests/faults/libsohoa-faults.so (see faults.c): Faults(name).env() is
the environment that loads it, and set()/clear() write the rules file it
reads at every intercepted call, so a fault comes and goes while the
program runs. A rule is "OP ERRNO PATTERN": read, write, readdir, fsync,
rename or open fails with ERRNO on paths containing PATTERN, or matching it
whole when it has a glob character (*, ?, [)."""

import os

import harness as h


class Faults:
    def __init__(self, name="faults"):
        self.rules = h.path(name + ".rules")
        self.rules.write_text("")
        self.lib = h.BUILD_DIR / "tests" / "faults" / "libsohoa-faults.so"
        if not self.lib.exists():
            raise h.TestFailure("%s is not built" % self.lib)

    def env(self):
        """Environment entries that load the shim (ASan must not insist on coming first)."""
        asan = os.environ.get("ASAN_OPTIONS")
        return {"LD_PRELOAD": str(self.lib), "SOHOA_FAULTS": str(self.rules),
                "ASAN_OPTIONS": "verify_asan_link_order=0" + (":" + asan if asan else "")}

    def set(self, *rules):
        """Replace the rules, e.g. set("read EIO 1234.page")."""
        tmp = self.rules.with_suffix(".tmp")
        tmp.write_text("".join(r + "\n" for r in rules))
        os.replace(tmp, self.rules)

    def clear(self):
        self.set()
