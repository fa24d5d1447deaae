#!/usr/bin/env python3
"""paradec serve against llama-server: one request at a time, as a single user sends them, and bursts of four.

Starts llama-server and one `paradec serve` per launcher given (default: bin/paradec), all on loopback with the same
model and threads (each server with its default slots: llama-server -np 1, paradec --parallel 2), then for ROUNDS
rounds, in a rotated order of servers: one greedy completion, timed by the server's own generation speed after the
first token (llama-server: timings.predicted_per_second; paradec: paradec.generation_tokens_per_second), and a burst
of four at once (the four prompts), timed by the client as the tokens of all four over the burst's wall time.

usage: docs/bench-serve.py ROUNDS [LAUNCHER ...]     (env: MODEL, THREADS, N, WARMUP)
"""
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.environ.get("MODEL", os.path.join(ROOT, "models/code-ar.gguf"))
THREADS = os.environ.get("THREADS", "2")
N = int(os.environ.get("N", "128"))
# rounds before the timed ones: a server JIT-compiles its paths over its first ~30 requests
WARMUP = int(os.environ.get("WARMUP", "30"))
PROMPTS = ["def fibonacci(n):", "class Queue:\n    def __init__(self", "import os\n\ndef walk(path):",
           "def parse_args(argv):"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)


def wait_up(port, proc, name):
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{name} exited before serving")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{name} did not come up")


def burst(server):
    """Aggregate tokens/s of the four prompts sent at once."""
    start = time.time()
    threads = [threading.Thread(target=server.speed, args=(p,)) for p in PROMPTS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(PROMPTS) * N / (time.time() - start)


class Llama:
    def __init__(self):
        self.name = "llama-server"
        self.port = free_port()
        self.proc = subprocess.Popen([os.path.join(ROOT, "build/llama/bin/llama-server"), "-m", MODEL, "--host", "127.0.0.1",
                                      "--port", str(self.port), "-t", THREADS, "-tb", THREADS, "-c", "4096", "-np", "1",
                                      "--no-webui"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_up(self.port, self.proc, self.name)

    def speed(self, prompt):
        r = post(self.port, "/completion", {"prompt": prompt, "n_predict": N, "temperature": 0, "top_k": 1,
                                            "cache_prompt": False})
        return r["timings"]["predicted_per_second"]


class Paradec:
    def __init__(self, launcher):
        root = os.path.dirname(os.path.dirname(launcher))
        commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
        self.name = f"paradec serve ({commit or launcher}{' + changes' if dirty else ''})"
        self.port = free_port()
        # a session of its own, killed whole: older launchers did not pass a kill on to their JVM
        self.proc = subprocess.Popen([launcher, "serve", "-m", MODEL, "--port", str(self.port), "-t", THREADS],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_up(self.port, self.proc, self.name)

    def complete(self, prompt):
        return post(self.port, "/v1/completions", {"prompt": prompt, "max_tokens": N, "temperature": 0})["paradec"]

    def speed(self, prompt):
        p = self.complete(prompt)
        # servers of earlier commits report only the whole generation's rate
        return p.get("generation_tokens_per_second", p["tokens_per_second"])



def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    launchers = sys.argv[2:] or [os.path.join(ROOT, "bin/paradec")]
    servers = []
    try:
        servers.append(Llama())
        servers += [Paradec(os.path.abspath(l)) for l in launchers]
        speeds = {s.name: [] for s in servers}
        bursts = {s.name: [] for s in servers}
        for r in range(-WARMUP, rounds):
            order = servers[r % len(servers):] + servers[:r % len(servers)]
            for s in order:
                v = s.speed(PROMPTS[r % len(PROMPTS)])
                b = burst(s)
                if r >= 0:
                    speeds[s.name].append(v)
                    bursts[s.name].append(b)
        print(f"model {os.path.relpath(MODEL, ROOT)}, {THREADS} threads, {N} greedy tokens a request, {rounds} rounds "
              f"after {WARMUP} of warm-up")
        q = lambda xs, f: xs[min(len(xs) - 1, round(f * (len(xs) - 1)))]
        for title, table in (("one request at a time: tokens/s after the first token, the server's own figure", speeds),
                             (f"bursts of {len(PROMPTS)} requests at once: their tokens over the burst's wall time", bursts)):
            base = table[servers[0].name]
            print(f"\n{title}\n")
            print("| server | median [p25-p75] | best | paired against llama-server: median [p25-p75] |")
            print("|---|---|---|---|")
            for s in servers:
                v = sorted(table[s.name])
                ratios = sorted(a / b for a, b in zip(table[s.name], base))
                print(f"| {s.name} | {statistics.median(v):.0f} [{q(v, .25):.0f}-{q(v, .75):.0f}] | {v[-1]:.0f} | "
                      f"{statistics.median(ratios):.2f}x [{q(ratios, .25):.2f}-{q(ratios, .75):.2f}] |")
    finally:
        for s in servers:
            try:
                os.killpg(s.proc.pid, signal.SIGTERM) if isinstance(s, Paradec) else s.proc.terminate()
            except ProcessLookupError:
                pass
        for s in servers:
            s.proc.wait()


if __name__ == "__main__":
    main()
