#!/usr/bin/env python3
"""How much each part of RedisHistory's APPEND script costs inside Redis (docs/PERFORMANCE-REDIS.md,
"History in Redis on and off"). Loads variants of the script (taken from RedisHistory.java) into a
redis-server you started yourself on loopback, sends N pipelined EVALSHA calls of each with the
arguments a publication has (about 100 bytes of data, a client info, historySize 100), and prints
Redis's own usec_per_call (INFO commandstats, reset before each variant) and the wall time per call.

  scripts/redis-history-script-cost.py PORT [N=20000]

It writes keys tributary.history.{x:fan} and tributary.history.meta.{x:fan}; use a throwaway Redis.
"""
import socket, time, re, sys, pathlib
PORT = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", PORT)); f = s.makefile("rb")
def enc(*a):
    out = [b"*%d\r\n" % len(a)]
    for x in a:
        x = x if isinstance(x, bytes) else str(x).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(x), x))
    return b"".join(out)
def read():
    l = f.readline()
    t = l[:1]
    if t in b"+-:": return l[1:].strip()
    if t == b"$":
        n = int(l[1:]); 
        if n < 0: return None
        d = f.read(n + 2); return d[:-2]
    if t == b"*":
        n = int(l[1:]); return [read() for _ in range(max(n, 0))]
    raise Exception(l)
def cmd(*a):
    s.sendall(enc(*a)); return read()
java = (pathlib.Path(__file__).resolve().parent.parent / "src/main/java/dev/tributary/broker/internal/RedisHistory.java").read_text()
body = java.split('static final LuaScript APPEND = new LuaScript("""', 1)[1].split('""");', 1)[0]
full = "\n".join(l[6:] if l.startswith("      ") else l for l in body.strip("\n").splitlines()).replace("\\\\n", "\\n")
variants = {
  "full (as RedisHistory.APPEND)": full,
  "full, XADD MAXLEN ~": full.replace("'MAXLEN', ARGV[1]", "'MAXLEN', '~', ARGV[1]"),
  "full without XADD": "\n".join(l for l in full.splitlines() if "xadd" not in l),
  "full without the two EXPIREs and HSET l": "\n".join(l for l in full.splitlines() if "expire" not in l and "'l'" not in l),
  "full without PUBLISH (and its concatenation)": full.split("if ARGV[5] ~= '' then")[0] + "return {offset, epoch}\n",
  "only XADD MAXLEN (exact)": "return redis.call('xadd', KEYS[1], 'MAXLEN', ARGV[1], '*', 'd', ARGV[7], 'i', ARGV[8], 't', ARGV[9])",
  "empty script (return 1), same 2 keys + 10 args": "return 1",
}
data = '{"ts":1234567890123,"seq":1,"pad":"' + "x" * 62 + '"}'
info = '{"client":"3070f612-1dc3-459e-8b7b-f0463b5c7198","user":""}'
N = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
print("| variant | EVALSHA usec_per_call | XADD inside | PUBLISH inside | wall µs per call (pipelined 500) |")
print("|---|---|---|---|---|")
for name, src in variants.items():
    sha = cmd("SCRIPT", "LOAD", src).decode()
    cmd("DEL", "tributary.history.{x:fan}", "tributary.history.meta.{x:fan}")
    # warm: fill the stream to its size
    batch = b"".join(enc("EVALSHA", sha, 2, "tributary.history.{x:fan}", "tributary.history.meta.{x:fan}", 100, 300, 600, "ep1", "x:fan", '"x:fan"', data, info, int(time.time()*1000), 300000) for _ in range(500))
    s.sendall(batch); [read() for _ in range(500)]
    cmd("CONFIG", "RESETSTAT")
    t0 = time.time()
    for k in range(N // 500):
        s.sendall(batch); [read() for _ in range(500)]
    wall = time.time() - t0
    st = cmd("INFO", "commandstats").decode()
    m = re.search(r"cmdstat_evalsha:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)", st)
    p = re.search(r"cmdstat_publish:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)", st)
    x = re.search(r"cmdstat_xadd:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)", st)
    print(f"| {name} | {m.group(3)} | {x.group(3) if x else '–'} | {p.group(3) if p else '–'} | {wall/N*1e6:.1f} |")
plain = b"".join(enc("PUBLISH", "x:fan", "1\n" + data) for _ in range(500))
cmd("CONFIG", "RESETSTAT"); t0 = time.time()
for k in range(N // 500):
    s.sendall(plain); [read() for _ in range(500)]
wall = time.time() - t0
st = cmd("INFO", "commandstats").decode()
p = re.search(r"cmdstat_publish:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)", st)
print(f"| plain PUBLISH (no script) | – | – | {p.group(3)} | {wall/N*1e6:.1f} |")
