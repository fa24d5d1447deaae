#!/usr/bin/python3
"""Builds the code corpus: the Python 3.11 standard library sources from Debian's packages.

Writes build/lab/corpus/{train,heldout}.txt (files joined by the FILE_SEP line below, in path
order) and build/lab/corpus/manifest.json (package versions, licence, file lists, sizes).
Test suites are excluded. The split is by file: a file is held out when the first byte of
sha256(relative path) is < 13 (about 5%), so it never depends on the file system order.
"""
import hashlib
import json
import os
import subprocess
import sys

PACKAGES = ["libpython3.11-minimal", "libpython3.11-stdlib"]
ROOT = "/usr/lib/python3.11/"
# Documents are separated in the text files by this line; the trainer splits on it and
# wraps every document in BOS ... EOS.
FILE_SEP = "\x00\n"
EXCLUDE_DIRS = {"test", "tests", "idle_test", "__pycache__", "site-packages", "dist-packages"}
HELDOUT_BELOW = 13  # first sha256 byte < 13 -> held out (13/256 ~ 5%)


def dpkg_version(pkg):
    return subprocess.check_output(["dpkg-query", "-W", "-f=${Version}", pkg], text=True).strip()


def package_files(pkg):
    out = subprocess.check_output(["dpkg", "-L", pkg], text=True)
    return [p for p in out.splitlines() if p.startswith(ROOT) and p.endswith(".py")]


def excluded(rel):
    parts = rel.split("/")
    if any(p in EXCLUDE_DIRS for p in parts[:-1]):
        return True
    base = parts[-1]
    return base.startswith("test_") or base == "test.py"


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    versions = {p: dpkg_version(p) for p in PACKAGES}
    files = sorted({f for p in PACKAGES for f in package_files(p)})
    split = {"train": [], "heldout": []}
    skipped = []
    for f in files:
        rel = f[len(ROOT):]
        if excluded(rel) or not os.path.isfile(f):
            skipped.append(rel)
            continue
        try:
            with open(f, encoding="utf-8") as fh:
                text = fh.read()
        except UnicodeDecodeError:
            skipped.append(rel)
            continue
        if "\x00" in text or not text.strip():
            skipped.append(rel)
            continue
        h = hashlib.sha256(rel.encode()).digest()[0]
        split["heldout" if h < HELDOUT_BELOW else "train"].append((rel, text))
    manifest = {"packages": versions, "licence": "PSF-2.0 (Python Software Foundation License), see "
                "/usr/share/doc/libpython3.11-stdlib/copyright", "root": ROOT, "skipped": skipped}
    for name, items in split.items():
        with open(os.path.join(out_dir, name + ".txt"), "w", encoding="utf-8") as fh:
            fh.write(FILE_SEP.join(t for _, t in items))
        manifest[name] = {"files": [r for r, _ in items], "chars": sum(len(t) for _, t in items)}
    with open(os.path.join(out_dir, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
    for name in split:
        print(f"{name}: {len(split[name])} files, {manifest[name]['chars']} chars")
    print("packages:", versions, "skipped:", len(skipped))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/lab/corpus")
