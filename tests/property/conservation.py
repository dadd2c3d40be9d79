#!/usr/bin/env python3
"""Conservation and order independence, as a property over perturbed seeds.

Each case copies one to four seed dumps (fixtures/seeds/) under new names and perturbs
them at random: records shuffled, duplicated or dropped, field lines dropped, lines in
another case or with other spacing, a file cut at a random byte (mid-record, even
mid-character). Then it runs gp-extract | gp-norm | gp-dedup --stats --clusters and
checks that nothing is lost or invented:

  - gp-norm writes one record for each record gp-extract wrote;
  - gp-dedup's --stats: records in = the records gp-norm wrote = out + merged, and out is
    the number of dataset lines;
  - every (file, line) source gp-extract gave is named in exactly one dataset record's
    sources, and the dataset names no other (a merged record lists its members);
  - no tool crashed or failed internally (exit status 3, or a signal);

and that the dataset is byte-identical when the extracted records are shuffled and
deduplicated with --jobs 1 instead of --jobs 2, and (every fourth case) when the files
are given in another order.

Usage: conservation.py BIN_DIR SOURCE_DIR. Environment: GP_PROPERTY_CASES (default 300),
GP_PROPERTY_SEED (replays a run: the seed is printed on failure), GP_PROPERTY_SECONDS
(stop starting new cases after this long, default 100).
"""
import collections
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

BIN, SRC = sys.argv[1], sys.argv[2]
CASES = int(os.environ.get("GP_PROPERTY_CASES", "300"))
SECONDS = float(os.environ.get("GP_PROPERTY_SECONDS", "100"))
SEED = int(os.environ.get("GP_PROPERTY_SEED", str(random.SystemRandom().randrange(1 << 32))))
SEEDS = sorted(os.path.join(SRC, "fixtures", "seeds", f)
               for f in os.listdir(os.path.join(SRC, "fixtures", "seeds")) if f.endswith(".txt"))
RECORD_START = re.compile("^(Implementation year:|Año de implementación:)".encode(), re.M)


class Failure(Exception):
    pass


def run(tool, args, stdin=None):
    """Runs a tool; returns (stdout, stderr). Exit 0, 1 and 2 are answers; 3 and signals fail."""
    p = subprocess.run([os.path.join(BIN, tool)] + args, input=stdin, capture_output=True,
                       env=dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8"))
    if p.returncode not in (0, 1, 2):
        raise Failure("%s %s exited %d: %s" % (tool, " ".join(args), p.returncode,
                                              p.stderr.decode(errors="replace")[-2000:]))
    return p.stdout, p.stderr.decode(errors="replace")


def split_records(data):
    """Preamble and record blocks of a listing dump (the whole text when none is found)."""
    starts = [m.start() for m in RECORD_START.finditer(data)]
    if not starts:
        return data, []
    blocks = [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]
    return data[:starts[0]], blocks


def perturb(rng, data):
    head, recs = split_records(data)
    for _ in range(rng.randint(0, 4)):
        op = rng.choice(["shuffle", "duplicate", "drop", "drop-field", "case", "spacing"])
        if op == "shuffle" and recs:
            rng.shuffle(recs)
        elif op == "duplicate" and recs:
            recs.insert(rng.randrange(len(recs) + 1), rng.choice(recs))
        elif op == "drop" and len(recs) > 1:
            recs.pop(rng.randrange(len(recs)))
        elif op in ("drop-field", "case", "spacing"):
            # on a record when there are some, else on the whole text
            i = rng.randrange(len(recs)) if recs else None
            lines = (recs[i] if recs else head).split(b"\n")
            k = rng.randrange(len(lines))
            if op == "drop-field":
                del lines[k]
            elif op == "case":
                text = lines[k].decode("utf-8", "replace")
                lines[k] = rng.choice([str.upper, str.lower, str.title])(text).encode()
            else:
                lines[k] = rng.choice([b"  ", b"\t", b" \xc2\xa0"]) + \
                    lines[k].replace(b" ", rng.choice([b"  ", b" \t"])) + b"   "
            if recs:
                recs[i] = b"\n".join(lines)
            else:
                head = b"\n".join(lines)
    data = head + b"".join(recs)
    if data and rng.random() < 0.2:
        data = data[:rng.randrange(len(data))]  # cut mid-record, maybe mid-character
    return data


def sources(lines):
    """(file, line) of every source of JSON Lines records, with their count."""
    out = collections.Counter()
    for line in lines:
        for s in json.loads(line)["sources"]:
            out[(s["file"], s["line"])] += 1
    return out


def dedup(norm, jobs, workdir):
    clusters = os.path.join(workdir, "clusters.jsonl")
    out, err = run("gp-dedup", ["--stats", "--jobs", str(jobs), "--clusters=" + clusters],
                   stdin=norm)
    m = re.search(r"gp-dedup: (\d+) records? in, (\d+) out, (\d+) merged", err)
    if not m:
        raise Failure("no --stats line from gp-dedup:\n" + err[-2000:])
    return out, tuple(int(x) for x in m.groups())


def one_case(rng, workdir, index):
    files = []
    for k in range(rng.randint(1, 4)):
        seed = rng.choice(SEEDS)
        name = os.path.join(workdir, "case%d-%d-%s" % (index, k, os.path.basename(seed)))
        with open(seed, "rb") as f:
            data = perturb(rng, f.read())
        with open(name, "wb") as f:
            f.write(data)
        files.append(name)
    ext, _ = run("gp-extract", files)
    ext_lines = ext.splitlines()
    norm, _ = run("gp-norm", [], stdin=ext)
    norm_lines = norm.splitlines()
    if len(norm_lines) != len(ext_lines):
        raise Failure("gp-extract wrote %d records, gp-norm %d" % (len(ext_lines),
                                                                  len(norm_lines)))
    out, (rin, rout, merged) = dedup(norm, 2, workdir)
    out_lines = out.splitlines()
    if rin != len(norm_lines) or rin != rout + merged or rout != len(out_lines):
        raise Failure("records in %d (gp-norm wrote %d) != out %d (dataset lines %d) + merged %d"
                      % (rin, len(norm_lines), rout, len(out_lines), merged))
    want, got = sources(ext_lines), sources(out_lines)
    if want != got:
        lost = sorted((want - got).items())[:5]
        extra = sorted((got - want).items())[:5]
        raise Failure("sources differ: lost %s, invented or repeated %s" % (lost, extra))
    shuffled = list(norm_lines)
    rng.shuffle(shuffled)
    again, _ = dedup(b"".join(l + b"\n" for l in shuffled), 1, workdir)
    if again != out:
        raise Failure("the dataset differs when the records are shuffled and --jobs is 1")
    if index % 4 == 0 and len(files) > 1:
        order = list(files)
        rng.shuffle(order)
        ext2, _ = run("gp-extract", order)
        norm2, _ = run("gp-norm", [], stdin=ext2)
        again, _ = dedup(norm2, 2, workdir)
        if again != out:
            raise Failure("the dataset differs when the files are given in another order")
    return len(ext_lines)


def main():
    rng = random.Random(SEED)
    start = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="gpkit-conservation-")
    done = records = 0
    try:
        for index in range(CASES):
            if time.monotonic() - start > SECONDS:
                break
            case_dir = os.path.join(workdir, str(index))
            os.mkdir(case_dir)
            try:
                records += one_case(rng, case_dir, index)
            except Failure as e:
                print("FAIL case %d: %s" % (index, e))
                print("replay: GP_PROPERTY_SEED=%d GP_PROPERTY_CASES=%d (inputs kept in %s)"
                      % (SEED, index + 1, case_dir))
                return 1
            shutil.rmtree(case_dir)
            done += 1
    finally:
        if not os.listdir(workdir) or done == CASES:
            shutil.rmtree(workdir, ignore_errors=True)
    print("conservation held on %d perturbed datasets (%d records), seed %d, %.0f s"
          % (done, records, SEED, time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
