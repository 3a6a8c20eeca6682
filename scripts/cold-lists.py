#!/usr/bin/env python3
"""cold-lists.py: writes link/cold/CRATE.txt, the functions of each crate
that the profiled work never ran, one mangled name a line, which
scripts/rustc-pgo has LLVM compile without optimisation.

    cold-lists.py PROFILE.txt DEPS-DIR LLVM-NM OUT-DIR

PROFILE.txt is a full (not sparse) profile in llvm-profdata's text form,
recorded from a build without the inliner that runs before the counters
are put in (-disable-preinline), so that a function inlined everywhere
still counts its own calls; DEPS-DIR holds that build's rlibs.

A function counts as never run when no copy of it ran: the profile names a
crate-local function once for each codegen unit it was copied into
("crate.hash-cgu.N;name"), while LLVM takes the list by name for every
unit of the crate. Which crate a local function belongs to is in its
profile name; an exported one is found by its counters' symbol
(__profc_NAME) in the rlibs.
"""

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path


def records(text):
    """(profile name, counters) of each function of a text profile."""
    lines = text.split("\n")
    i = 0
    while i + 4 < len(lines):
        if lines[i + 1] == "# Func Hash:" and not lines[i].startswith("#"):
            count = int(lines[i + 4])
            yield lines[i], [int(v) for v in lines[i + 6 : i + 6 + count]]
            i += 6 + count
        else:
            i += 1


def ir_name(profile_name):
    """The function's name in LLVM's module: without the codegen unit a
    crate-local function's profile name begins with."""
    return profile_name.split(";", 1)[1] if ";" in profile_name else profile_name


def main():
    profile, deps, nm, out = sys.argv[1:5]
    functions = list(records(Path(profile).read_text()))
    ran = {ir_name(name) for name, counts in functions if any(counts)}
    never = {name for name, counts in functions if ir_name(name) not in ran}

    exported_by = defaultdict(set)
    for rlib in Path(deps).glob("lib*.rlib"):
        crate = re.fullmatch(r"lib(.+)-[0-9a-f]+\.rlib", rlib.name).group(1)
        symbols = subprocess.run(
            [nm, "--no-sort", rlib], capture_output=True, text=True, check=False
        ).stdout
        for line in symbols.splitlines():
            symbol = line.rsplit(" ", 1)[-1]
            if symbol.startswith("__profc_"):
                exported_by[symbol[len("__profc_") :]].add(crate)

    lists = defaultdict(set)
    for name in never:
        if ";" in name:
            lists[name.split(".", 1)[0]].add(ir_name(name))
        else:
            for crate in exported_by.get(name, ()):
                lists[crate].add(name)

    os.makedirs(out, exist_ok=True)
    for old in Path(out).glob("*.txt"):
        old.unlink()
    for crate, names in lists.items():
        Path(out, crate + ".txt").write_text("".join(n + "\n" for n in sorted(names)))
    listed = sum(len(names) for names in lists.values())
    print(f"{out}: {listed} functions never ran, in {len(lists)} crates", file=sys.stderr)


if __name__ == "__main__":
    main()
