"""gp-norm reading a terminal (a pty) on stdin: after a second with nothing typed it says
how to end the input; when a record comes at once it says nothing."""
import os, pty, subprocess, sys, time, select
def run(type_first):
    master, slave = pty.openpty()
    p = subprocess.Popen(["gp-norm"], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(slave)
    if type_first:
        os.write(master, b'{"title": "T", "description": "D."}\n')
    err = b""
    deadline = time.time() + (2.5 if type_first else 20)
    while time.time() < deadline and b"Ctrl-D" not in err:
        r, _, _ = select.select([p.stderr], [], [], 0.2)
        if r:
            err += os.read(p.stderr.fileno(), 4096)
    os.write(master, b"\x04")
    time.sleep(0.3)
    if p.poll() is None:
        os.write(master, b"\x04")
    out, rest = p.communicate(timeout=20)
    os.close(master)
    return p.returncode, out, err + rest
rc, out, err = run(False)
print("nothing typed: exit %d, %d records, stderr: %s" % (rc, out.count(b"\n"), err.decode().strip()))
rc, out, err = run(True)
print("a record typed: exit %d, %d records, stderr: %r" % (rc, out.count(b"\n"), err.decode()))
