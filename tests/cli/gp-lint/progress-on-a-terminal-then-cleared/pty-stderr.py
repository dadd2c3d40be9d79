"""gp-lint with stderr on a terminal (a pty): a progress line, rewritten in place, then
cleared before the summary; with stderr not a terminal (the other tool tests), none."""
import os, pty, subprocess, sys, tempfile

def run(args):
    master, slave = pty.openpty()
    # stdout to a file: a pipe nobody reads while stderr is read would fill and block
    outf = tempfile.TemporaryFile()
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=outf, stderr=slave)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the tool closed its end
            break
        if not chunk:
            break
        err += chunk
    p.wait()
    outf.seek(0)
    out = outf.read()
    os.close(master)
    return p.returncode, out, err.replace(b"\r\n", b"\n")

CLEAR = b"\r\x1b[K"
rc, out, err = run(["gp-lint"] + sys.argv[1:])
before, _, summary = err.rpartition(CLEAR)
print("exit", rc, "; findings on stdout:", out.count(b"\n"))
print("progress shown:", err.startswith(CLEAR + b"gp-lint: checking "))
print("cleared, then only the summary:", summary.decode().strip())
print("escapes in stdout:", b"\x1b" in out)
rc, out, err = run(["gp-lint", "--quiet"] + sys.argv[1:])
print("--quiet: exit", rc, "; stderr:", repr(err.decode()))
