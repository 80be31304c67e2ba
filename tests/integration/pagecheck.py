"""What the page tests share: sohoa-pagetool over image files and the
character error rate."""

import json
import os

import harness as h

ENV = {"OMP_THREAD_LIMIT": "1"}
PYTHON = "/usr/bin/python3"


def normalize(text):
    return " ".join(text.split())


def levenshtein(a, b):
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def cer(truth, text):
    t, o = normalize(truth), normalize(text)
    return levenshtein(t, o) / max(1, len(t))


def pagetool(images, pdf_dir, timeout, flags=()):
    cp = h.run(["workers/sohoa-pagetool", "--pdf-dir", pdf_dir] + list(flags) + [str(i) for i in images],
               timeout=timeout, env=ENV, check=False)
    results = {}
    for line in cp.stdout.splitlines():
        d = json.loads(line)
        results[os.path.splitext(os.path.basename(d["file"]))[0]] = d
    return results
