"""Every MUST of proto/PROTOCOL.md names the tests that check it, and
tests/conformance/MUSTS.md agrees:

- each MUST (past the opening paragraph, which defines the word) is
  followed, before the next MUST, by "[test: NAME, ...]";
- each name is a test that exists: conform_X is tests/conformance/test_X.py,
  "unit X" is tests/unit/test-X.c;
- MUSTS.md's first table has one row per MUST, and a row of the MUST's
  section names every conformance test the MUST names."""

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOP = HERE.parent.parent
sys.path.insert(0, str(HERE.parent / "integration"))

import harness as h  # noqa: E402


def musts(text):
    """(section, [names]) per MUST of the spec, in order; fails on a MUST
    without its note."""
    body = text[text.index("\n## 1."):]
    found, section = [], None
    marks = sorted([(m.start(), "must") for m in re.finditer(r"\bMUST\b", body)] +
                   [(m.start(), "note") for m in re.finditer(r"\[test:([^\]]*)\]", body)] +
                   [(m.start(), "head") for m in re.finditer(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", body, re.M)])
    pending = None
    for pos, kind in marks:
        if kind == "head":
            section = re.match(r"#{2,3} (\d+(?:\.\d+)?)", body[pos:]).group(1)
        elif kind == "must":
            h.check(pending is None, "§%s: a MUST without [test: ...] before the next one: %r"
                    % (pending and pending[0], pending and pending[1]))
            pending = (section, " ".join(body[max(0, pos - 60):pos + 60].split()))
        else:
            h.check(pending is not None, "a [test: ...] note with no MUST before it at %r"
                    % " ".join(body[pos - 80:pos + 40].split()))
            note = re.match(r"\[test:([^\]]*)\]", body[pos:]).group(1)
            names = [n.strip() for n in re.split(r"[,;]", " ".join(note.split())) if n.strip()]
            found.append((pending[0], names))
            pending = None
    h.check(pending is None, "§%s: a MUST without [test: ...]: %r" % (pending and pending[0], pending and pending[1]))
    return found


def main():
    spec = musts((TOP / "proto" / "PROTOCOL.md").read_text(encoding="utf-8"))
    h.check(len(spec) >= 17, "MUSTs found in PROTOCOL.md: %d" % len(spec))
    for section, names in spec:
        for n in names:
            if n.startswith("conform_"):
                path = HERE / ("test_%s.py" % n[len("conform_"):])
            elif n.startswith("unit "):
                path = TOP / "tests" / "unit" / ("test-%s.c" % n[len("unit "):])
            else:
                path = None
            h.check(path is not None and path.exists(), "§%s names %r, which is no test" % (section, n))

    table = (HERE / "MUSTS.md").read_text(encoding="utf-8").split("\n\n| § | rule |")[0]
    rows = [r.split(" | ") for r in table.splitlines() if re.match(r"\| \d", r)]
    h.check_eq(len(rows), len(spec), "rows of MUSTS.md's first table, MUSTs in PROTOCOL.md")
    for section, names in spec:
        mine = [r for r in rows if r[0] == "| " + section]
        want = [n for n in names if n.startswith("conform_")]
        h.check(any(all("`%s`" % n in r[2] for n in want) for r in mine),
                "MUSTS.md: no row of §%s names %s" % (section, ", ".join(want)))


h.run_test(main)
