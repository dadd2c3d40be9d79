#!/usr/bin/env python3
"""Runs OpenRefine's own clustering on the vocabulary values of a variant-discovery input.

Usage: openrefine_peer.py --url URL --pid PID --out-dir DIR [--knn-timeout S] [--no-knn] INPUT.jsonl

Talks to a running OpenRefine (3.6) through its HTTP API, the way its clustering dialog
does. The records' institution, country, region and topics go into one project as four
columns; a record with several topics takes one row per topic (as OpenRefine's "split
multi-valued cells" leaves it), so each column holds every value the records wrote, as
many times as they wrote it. Then each column is clustered by each method:

  fingerprint          key collision, fingerprint keying
  ngram-fingerprint-1  key collision, n-gram fingerprint, n = 1
  ngram-fingerprint-2  key collision, n-gram fingerprint, n = 2 (the dialog's default)
  levenshtein-1        nearest neighbour, Levenshtein distance, radius 1, blocking n-grams
                       of 6 (the dialog's defaults)

The nearest-neighbour method runs last, with one time limit for its four columns
(--knn-timeout); when the limit is hit, its result is "stopped after N s, K of 4 columns
done" and no clusters.
Each method's clusters go to DIR/<method>.clusters.jsonl, one JSON object a line,
{"field": "topics", "values": [...]}, which bench/score_variants.py --clusters reads.
Prints one JSON object a line: the project's creation ("method": "load") and each method,
with its wall seconds, the CPU seconds OpenRefine's JVM (--pid) spent meanwhile, the
JVM's peak resident memory so far, and its status (ok, skipped, stopped after N s).
The project is deleted at the end. Standard library only.
"""
import argparse
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

FIELDS = ("institution", "country", "region", "topics")
METHODS = [
    ("fingerprint", "binning", "fingerprint", {}),
    ("ngram-fingerprint-1", "binning", "ngram-fingerprint", {"ngram-size": 1}),
    ("ngram-fingerprint-2", "binning", "ngram-fingerprint", {"ngram-size": 2}),
    ("levenshtein-1", "knn", "levenshtein", {"radius": 1.0, "blocking-ngram-size": 6}),
]


def cell(v):
    """A value as one TSV cell: no tabs or line breaks (quotes are not processed)."""
    if not isinstance(v, str):
        return ""
    return " ".join(v.split())


def write_tsv(src, dst):
    rows = 0
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        out.write("\t".join(FIELDS) + "\n")
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            topics = r.get("topics") or [""]
            if not isinstance(topics, list):
                topics = [topics]
            first = [cell(r.get(k)) for k in FIELDS[:3]]
            for i, t in enumerate(topics):
                out.write("\t".join((first if i == 0 else ["", "", ""]) + [cell(t)]) + "\n")
                rows += 1
    return rows


class Refine:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def get(self, command, **params):
        q = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/command/core/{command}?{q}") as r:
            return json.load(r)

    def token(self):
        return self.get("get-csrf-token")["token"]

    def post(self, command, form, timeout=None, **params):
        params["csrf_token"] = self.token()
        q = urllib.parse.urlencode(params)
        data = urllib.parse.urlencode(form).encode()
        with urllib.request.urlopen(f"{self.url}/command/core/{command}?{q}", data,
                                    timeout=timeout) as r:
            return json.load(r)

    def create(self, tsv, name):
        """Uploads the TSV as a new project; returns its id."""
        options = {"separator": "\t", "headerLines": 1, "guessCellValueTypes": False,
                   "processQuotes": False, "storeBlankCellsAsNulls": True, "encoding": "UTF-8"}
        boundary = uuid.uuid4().hex
        parts = []
        for k, v in (("project-name", name), ("format", "text/line-based/*sv"),
                     ("options", json.dumps(options))):
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
                         f"{v}\r\n".encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="project-file"; '
                     f'filename="values.tsv"\r\nContent-Type: text/tab-separated-values\r\n\r\n'
                     .encode())
        with open(tsv, "rb") as f:
            parts.append(f.read())
        parts.append(f"\r\n--{boundary}--\r\n".encode())
        q = urllib.parse.urlencode({"csrf_token": self.token()})
        req = urllib.request.Request(f"{self.url}/command/core/create-project-from-upload?{q}",
                                     b"".join(parts),
                                     {"Content-Type": f"multipart/form-data; boundary={boundary}"})

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args):
                return None

        try:
            urllib.request.build_opener(NoRedirect).open(req)
        except urllib.error.HTTPError as e:
            # the answer is a redirect to the new project's page
            loc = e.headers.get("Location", "")
            if e.code in (301, 302, 303) and "project=" in loc:
                return loc.rsplit("project=", 1)[1]
            raise
        raise RuntimeError("OpenRefine did not create the project")

    def clusters(self, project, column, kind, function, params, timeout=None):
        clusterer = {"type": kind, "function": function, "column": column, "params": params}
        engine = {"facets": [], "mode": "row-based"}
        return self.post("compute-clusters",
                         {"engine": json.dumps(engine), "clusterer": json.dumps(clusterer)},
                         timeout=timeout, project=project)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0],
                                epilog=__doc__.partition("\n\n")[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="records, one JSON object a line (bench/gen_variants.py)")
    p.add_argument("--url", required=True, help="OpenRefine's address, e.g. http://127.0.0.1:3333")
    p.add_argument("--pid", required=True, type=int, help="OpenRefine's JVM process id")
    p.add_argument("--out-dir", required=True, help="where the clusters files go")
    p.add_argument("--knn-timeout", type=float, default=600,
                   help="seconds the nearest-neighbour method may take on all columns (600)")
    p.add_argument("--no-knn", action="store_true", help="skip the nearest-neighbour method")
    args = p.parse_args(argv)
    refine = Refine(args.url)
    os.makedirs(args.out_dir, exist_ok=True)

    def report(method, wall, cpu, status):
        print(json.dumps({"method": method, "wall": round(wall, 3), "cpu": round(cpu, 3),
                          "peak_MiB": round(peak_mib(args.pid), 1), "status": status}), flush=True)

    tsv = os.path.join(args.out_dir, "values.tsv")
    write_tsv(args.input, tsv)
    t0, c0 = time.monotonic(), cpu_seconds(args.pid)
    project = refine.create(tsv, os.path.basename(args.input))
    report("load", time.monotonic() - t0, cpu_seconds(args.pid) - c0, "ok")
    os.remove(tsv)
    try:
        for name, kind, function, params in METHODS:
            out_path = os.path.join(args.out_dir, f"{name}.clusters.jsonl")
            if kind == "knn" and args.no_knn:
                report(name, 0, 0, "skipped")
                continue
            t0, c0 = time.monotonic(), cpu_seconds(args.pid)
            found, status = [], "ok"
            for done, column in enumerate(FIELDS):
                timeout = None
                if kind == "knn":
                    timeout = args.knn_timeout - (time.monotonic() - t0)
                try:
                    if timeout is not None and timeout <= 0:
                        raise socket.timeout()
                    res = refine.clusters(project, column, kind, function, params, timeout)
                except (socket.timeout, TimeoutError):
                    status = (f"stopped after {args.knn_timeout:.0f} s, {done} of "
                              f"{len(FIELDS)} columns done")
                    break
                found += [{"field": column, "values": [c["v"] for c in cl]} for cl in res]
            wall, cpu = time.monotonic() - t0, cpu_seconds(args.pid) - c0
            if status == "ok":
                with open(out_path, "w", encoding="utf-8") as out:
                    for c in found:
                        out.write(json.dumps(c, ensure_ascii=False) + "\n")
            report(name, wall, cpu, status)
            if status != "ok":
                return 0  # the JVM still computes; the caller stops it
    finally:
        try:
            refine.post("delete-project", {}, timeout=30, project=project)
        except (urllib.error.URLError, socket.timeout, TimeoutError):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
