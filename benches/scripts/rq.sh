#!/usr/bin/env bash
# RQ workers, whole processes: evloop's `job_queue worker` (examples/
# job_queue.rs, feature rq) beside Python RQ 3.0.0's own `rq worker`, all
# against ONE private redis-server on 127.0.0.1 that this script starts and
# stops, with the jobs in RQ's JSON format (`--serializer json`).
#
#   bash benches/scripts/rq.sh              # PAIRS=3 by default
#   PAIRS=5 JOBS=5000 bash benches/scripts/rq.sh
#
# Workloads:
#   echo: JOBS (2,000) `mymodule.echo` jobs, enqueued in one go by RQ's own
#         `Queue.enqueue_many` (not timed), then ONE burst worker drains them,
#         timed from its start to its exit (wall, and its CPU with its
#         children's, from wait4): evloop `--concurrency 1` and `64`, Python
#         `rq worker` (the default forking worker: a fork per job, so it gets
#         JOBS_FORKING, 300, jobs) and `--worker-class rq.worker.SimpleWorker`.
#         Compare jobs/s.
#   round trips: one run of MONITOR_JOBS (200) echo jobs per worker with
#         `redis-cli MONITOR` on: commands and MULTI/EXEC transactions per
#         job; with strace (STRACE=0 skips it) also the worker's `sendto`s
#         per job, the writes to Redis: round trips, as the server sees
#         them arrive.
#   io:   `mymodule.count_words_at_url` jobs against a local HTTP server
#         (127.0.0.1) that answers every request after 50 ms: IO_JOBS (640)
#         for evloop `--concurrency 64`, IO_JOBS_SIMPLE (64) for Python's
#         SimpleWorker, which runs one job at a time (the same function name
#         on both sides: Python's is MYMODULE_PY's, a urllib GET).
# Each pair runs every worker once, in an order that reverses every pair
# (so none always runs on a warmer machine); then medians and the ratios the
# target is stated in (issue 16: an evloop worker >= 50x SimpleWorker's
# jobs/s). Worker output goes to /dev/null (they log a line per job); each
# run is checked afterwards: every job finished, none failed, queue empty.
#
# Needs redis-server and redis-cli (Debian: redis-server), python3 with
# venv and pip (the first run makes target/rq-venv-3.0.0 with rq==3.0.0, as
# tests/util/python_rq.rs does; it is reused once it holds .evloop-ready)
# and cargo. Without redis-server it says so and exits 0. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS=${PAIRS:-3}
JOBS=${JOBS:-2000}
JOBS_FORKING=${JOBS_FORKING:-300}
MONITOR_JOBS=${MONITOR_JOBS:-200}
IO_JOBS=${IO_JOBS:-640}
IO_JOBS_SIMPLE=${IO_JOBS_SIMPLE:-64}
IO_CONCURRENCY=64
IO_DELAY=0.05

for tool in redis-server redis-cli; do
    if ! command -v "$tool" >/dev/null; then
        echo "skipped: $tool not found (apt-get install redis-server)"
        exit 0
    fi
done

echo "building job_queue (release, --features rq)..."
cargo build --release --features rq --example job_queue 2>&1 | tail -1
BIN=$PWD/target/release/examples/job_queue
[ -x "$BIN" ] || { echo "no $BIN"; exit 1; }

# Python RQ 3.0.0 in the venv the tests use (same path, same marker).
TARGET=${CARGO_TARGET_DIR:-target}
case $TARGET in /*) ;; *) TARGET=$PWD/$TARGET ;; esac
VENV=$TARGET/rq-venv-3.0.0
if [ ! -f "$VENV/.evloop-ready" ] || [ ! -x "$VENV/bin/python" ]; then
    echo "making $VENV (python3 -m venv; pip install rq==3.0.0)..."
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet rq==3.0.0
    "$VENV/bin/python" -c "import rq, redis; assert rq.VERSION == '3.0.0', rq.VERSION"
    echo "rq 3.0.0" >"$VENV/.evloop-ready.$$" && mv "$VENV/.evloop-ready.$$" "$VENV/.evloop-ready"
fi
PY=$VENV/bin/python
export PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONNOUSERSITE=1
unset PYTHONHOME RQ_KEY_PREFIX

# A temp dir, the private server and the cleanup (TMP, PORT, SERVER_PID,
# REDIS_URL; EXTRA_PIDS are stopped too).
. benches/scripts/common.sh

# The Python side's module: tests/util/python_rq.rs's MYMODULE_PY, plus
# io_wait (a GET returning the body's length).
mkdir "$TMP/mod"
cat >"$TMP/mod/mymodule.py" <<'PY'
"""Functions for benches/scripts/rq.sh (tests/util/python_rq.rs's MYMODULE_PY, plus io_wait)."""
import time
import urllib.parse
import urllib.request

LOOPBACK = ('127.0.0.1', 'localhost', '::1')


def count_words_at_url(url):
    """GETs url (loopback only) and counts its whitespace-separated words."""
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f'count_words_at_url: {url!r} is not on loopback')
    with urllib.request.urlopen(url, timeout=30) as resp:
        text = resp.read().decode('utf-8', 'replace')
    return len(text.split())


def io_wait(url):
    """GETs url (loopback only) and returns the body's length: an I/O-bound job."""
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f'io_wait: {url!r} is not on loopback')
    with urllib.request.urlopen(url, timeout=30) as resp:
        return len(resp.read())


def echo(x):
    """Returns its argument."""
    return x


def fail(msg):
    """Raises Exception(msg)."""
    raise Exception(msg)


def slow(seconds):
    """Sleeps, then returns its argument."""
    time.sleep(seconds)
    return seconds
PY

rcli() { redis-cli -h 127.0.0.1 -p "$PORT" "$@"; }

# The I/O-bound jobs' server: every GET answered after 50 ms, a thread per
# connection (HTTP/1.1 keep-alive for clients that want it), a listen
# backlog that takes 64 connects at once, no log lines.
HTTP_PORT=$(free_port)
cat >"$TMP/slow_http.py" <<'PY'
import http.server, sys, time

BODY = b"evloop and RQ wait fifty milliseconds for this page\n"  # 8 words
DELAY = float(sys.argv[2])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The whole response in one write (handle_one_request flushes it), and
    # TCP_NODELAY: unbuffered, the body would go in a second small write,
    # held by Nagle until a keep-alive client's delayed ACK (40 ms) came.
    wbufsize = -1
    disable_nagle_algorithm = True

    def do_GET(self):
        time.sleep(DELAY)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024


Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
python3 "$TMP/slow_http.py" "$HTTP_PORT" "$IO_DELAY" >"$TMP/http.log" 2>&1 &
HTTP_PID=$!
EXTRA_PIDS=$HTTP_PID
IO_URL="http://127.0.0.1:$HTTP_PORT/"
for _ in $(seq 200); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2).read()' "$IO_URL" \
        2>/dev/null && break
    sleep 0.05
done
python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2).read()' "$IO_URL" ||
    { echo "the HTTP server did not come up:"; cat "$TMP/http.log"; exit 1; }
echo "HTTP server pid $HTTP_PID on $IO_URL (answers after ${IO_DELAY}s)"

# Runs a command with stdio on /dev/null; prints `wall_s=.. user_s=..
# sys_s=.. rc=..` (wait4: the CPU includes the children it reaped, i.e. a
# forking worker's work horses). Python, not GNU time: always there.
cat >"$TMP/timed.py" <<'PY'
import os, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t0
print(f"wall_s={wall:.4f} user_s={ru.ru_utime:.3f} sys_s={ru.ru_stime:.3f} "
      f"rc={os.waitstatus_to_exitcode(status)}")
PY

# N jobs of FUNC(ARG) (ARG defaults to the job's number) on queue Q, in
# RQ's JSON format, by RQ's own enqueue_many in pipelines of 1,000.
enqueue() {
    local queue=$1 func=$2 n=$3 arg=${4:-}
    PYTHONPATH="$TMP/mod" "$PY" - "$REDIS_URL" "$queue" "$func" "$n" "$arg" <<'PY'
import sys
from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer
url, name, func, n, arg = sys.argv[1:]
r = Redis.from_url(url)
q = Queue(name, connection=r, serializer=JSONSerializer)
n = int(n)
for start in range(0, n, 1000):
    datas = [Queue.prepare_data(func, args=(arg or f"job {i}",))
             for i in range(start, min(n, start + 1000))]
    with r.pipeline() as pipe:
        q.enqueue_many(datas, pipeline=pipe)
        pipe.execute()
assert r.llen(f"rq:queue:{name}") == n, r.llen(f"rq:queue:{name}")
PY
}

# A process's CPU (user+sys, s) so far: redis-server's by default.
server_cpu() {
    python3 -c '
import os, sys
f = open("/proc/%s/stat" % sys.argv[1]).read().rsplit(")", 1)[1].split()
print((int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"))' "${1:-$SERVER_PID}"
}

# The command line of worker KIND on queue Q, into the array CMD.
worker_cmd() {
    local kind=$1 queue=$2
    local rq=(env PYTHONPATH="$TMP/mod" "$PY" -m rq.cli worker --serializer json --burst --url "$REDIS_URL")
    case $kind in
        evloop1) CMD=("$BIN" worker --redis "$REDIS_URL" --queue "$queue" --burst --concurrency 1) ;;
        evloop64) CMD=("$BIN" worker --redis "$REDIS_URL" --queue "$queue" --burst --concurrency 64) ;;
        rq-fork) CMD=("${rq[@]}" "$queue") ;;
        rq-simple) CMD=("${rq[@]}" --worker-class rq.worker.SimpleWorker "$queue") ;;
    esac
}

# One timed burst run: a clean server, N jobs, worker KIND; prints and
# records its line.
run_once() {
    local bench=$1 kind=$2 n=$3 func=$4 arg=${5:-}
    local queue="bench-$bench"
    rcli flushall >/dev/null
    enqueue "$queue" "$func" "$n" "$arg"
    local s0 s1 h0 h1 line finished failed left ok=1
    s0=$(server_cpu)
    h0=$(server_cpu "$HTTP_PID")
    worker_cmd "$kind" "$queue"
    line=$(python3 "$TMP/timed.py" "${CMD[@]}")
    s1=$(server_cpu)
    h1=$(server_cpu "$HTTP_PID")
    finished=$(rcli zcard "rq:finished:$queue")
    failed=$(rcli zcard "rq:failed:$queue")
    left=$(rcli llen "rq:queue:$queue")
    [ "$finished" = "$n" ] && [ "$failed" = 0 ] && [ "$left" = 0 ] && [[ $line == *rc=0 ]] || ok=0
    line="bench=$bench worker=$kind jobs=$n $line server_s=$(python3 -c "print(round($s1 - $s0, 2))")"
    [ "$bench" = io ] && line="$line http_s=$(python3 -c "print(round($h1 - $h0, 2))")"
    line="$line ok=$ok"
    local wall=${line#*wall_s=}
    wall=${wall%% *}
    line="$line jps=$(python3 -c "print(round($n / $wall, 1))")"
    echo "  $line"
    [ "$ok" = 1 ] || echo "  ^ WARNING: finished=$finished failed=$failed left=$left (want $n, 0, 0); not counted"
    [ "$ok" = 1 ] && echo "$line" >>"$TMP/runs"
    return 0
}

echo
echo "echo jobs, $PAIRS pairs (evloop/rq-simple: $JOBS jobs, rq-fork: $JOBS_FORKING):"
for i in $(seq "$PAIRS"); do
    order="evloop1 evloop64 rq-simple rq-fork"
    [ $((i % 2)) = 0 ] && order="rq-fork rq-simple evloop64 evloop1"
    for kind in $order; do
        n=$JOBS
        [ "$kind" = rq-fork ] && n=$JOBS_FORKING
        run_once echo "$kind" "$n" mymodule.echo
    done
done

echo
echo "I/O-bound jobs (count_words_at_url, ${IO_DELAY}s each), $PAIRS pairs" \
    "(evloop64: $IO_JOBS jobs, rq-simple: $IO_JOBS_SIMPLE):"
for i in $(seq "$PAIRS"); do
    order="evloop64 rq-simple"
    [ $((i % 2)) = 0 ] && order="rq-simple evloop64"
    for kind in $order; do
        n=$IO_JOBS
        [ "$kind" = rq-simple ] && n=$IO_JOBS_SIMPLE
        run_once io "$kind" "$n" mymodule.count_words_at_url "$IO_URL"
    done
done

# Round trips: MONITOR_JOBS echo jobs under `redis-cli MONITOR` (started
# after the enqueue, so only the worker's commands are seen).
echo
echo "Redis commands per job (redis-cli MONITOR, $MONITOR_JOBS echo jobs, one run each):"
for kind in evloop1 evloop64 rq-simple rq-fork; do
    queue=bench-monitor
    rcli flushall >/dev/null
    enqueue "$queue" mymodule.echo "$MONITOR_JOBS"
    rcli monitor >"$TMP/monitor.$kind" 2>/dev/null &
    mon=$!
    for _ in $(seq 100); do
        [ -s "$TMP/monitor.$kind" ] && break
        sleep 0.02
    done
    worker_cmd "$kind" "$queue"
    line=$(python3 "$TMP/timed.py" "${CMD[@]}")
    sleep 0.3
    kill "$mon" 2>/dev/null
    wait "$mon" 2>/dev/null || true
    finished=$(rcli zcard "rq:finished:$queue")
    [ "$finished" = "$MONITOR_JOBS" ] || echo "  WARNING: $kind finished $finished of $MONITOR_JOBS"
    python3 - "$TMP/monitor.$kind" "$kind" "$MONITOR_JOBS" <<'PY' | tee -a "$TMP/monitor"
import collections, re, sys
path, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = collections.Counter()
clients = set()
tx = 0          # MULTI ... EXEC blocks
in_tx = 0       # commands inside them
outside = 0     # commands sent on their own or in a plain pipeline
depth = 0
for line in open(path, errors="replace"):
    m = re.match(r'[\d.]+ \[\d+ ([^\]]+)\] "([^"]+)"', line)
    if not m:
        continue
    client, name = m.group(1), m.group(2).upper()
    clients.add(client)
    names[name] += 1
    if name == "MULTI":
        depth = 1
    elif name in ("EXEC", "DISCARD"):
        depth = 0
        tx += 1
    elif depth:
        in_tx += 1
    else:
        outside += 1
total = sum(names.values())
top = ", ".join(f"{k} {v / n:.2f}" for k, v in names.most_common(9))
print(f"kind={kind} cmds_per_job={total / n:.2f} tx_per_job={tx / n:.2f} "
      f"in_tx_per_job={in_tx / n:.2f} outside_tx_per_job={outside / n:.2f} "
      f"groups_per_job={(tx + outside) / n:.2f} connections={len(clients)}")
print(f"  top: {top}")
PY
done
echo "  (groups = transactions + commands outside them: round trips if no plain pipelining)"

if [ "${STRACE:-1}" = 1 ] && command -v strace >/dev/null; then
    echo
    echo "writes to Redis per job (strace -f -c, sendto+sendmsg+writev, $MONITOR_JOBS echo jobs, one run each):"
    for kind in evloop1 evloop64 rq-simple; do
        queue=bench-strace
        rcli flushall >/dev/null
        enqueue "$queue" mymodule.echo "$MONITOR_JOBS"
        worker_cmd "$kind" "$queue"
        python3 "$TMP/timed.py" strace -f -c -e trace=sendto,sendmsg,writev,recvfrom,recvmsg \
            -o "$TMP/strace.$kind" "${CMD[@]}" >/dev/null
        python3 - "$TMP/strace.$kind" "$kind" "$MONITOR_JOBS" <<'PY' | tee -a "$TMP/strace"
import sys
path, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
calls = {}
for line in open(path):
    f = line.split()
    if len(f) >= 5 and f[-1] in ("sendto", "sendmsg", "writev", "recvfrom", "recvmsg"):
        calls[f[-1]] = int(f[3])
sends = sum(calls.get(k, 0) for k in ("sendto", "sendmsg", "writev"))
recvs = sum(calls.get(k, 0) for k in ("recvfrom", "recvmsg"))
print(f"kind={kind} sends_per_job={sends / n:.2f} recvs_per_job={recvs / n:.2f} "
      + " ".join(f"{k}={v}" for k, v in sorted(calls.items())))
PY
    done
    echo "  (recvs include EAGAIN reads; the Python worker's sends are redis-py's, one per command or pipeline)"
fi

echo
python3 - "$TMP/runs" "$JOBS" "$JOBS_FORKING" "$IO_JOBS" "$IO_JOBS_SIMPLE" "$IO_CONCURRENCY" "$IO_DELAY" <<'PY'
import statistics, sys
runs = [dict(kv.split("=", 1) for kv in line.split()) for line in open(sys.argv[1])]
io_conc, io_delay = int(sys.argv[6]), float(sys.argv[7])
med = {}
for bench in ("echo", "io"):
    print(f"{bench}:")
    for kind in ("evloop1", "evloop64", "rq-simple", "rq-fork"):
        rs = [r for r in runs if r["bench"] == bench and r["worker"] == kind]
        if not rs:
            continue
        n = int(rs[0]["jobs"])
        m = {k: statistics.median(float(r[k]) for r in rs)
             for k in ("jps", "wall_s", "user_s", "sys_s", "server_s")}
        cpu_job = statistics.median((float(r["user_s"]) + float(r["sys_s"])) / int(r["jobs"]) for r in rs)
        srv_job = statistics.median(float(r["server_s"]) / int(r["jobs"]) for r in rs)
        med[bench, kind] = m["jps"]
        http = ""
        if bench == "io":
            http = (", HTTP server CPU %.0f us/job"
                    % (statistics.median(float(r["http_s"]) / int(r["jobs"]) for r in rs) * 1e6))
        print(f"  {kind:9} median {m['jps']:>9.1f} jobs/s  ({n} jobs, wall {m['wall_s']:.3f} s, "
              f"worker CPU {cpu_job * 1e6:.0f} us/job, redis-server CPU {srv_job * 1e6:.0f} us/job{http}, "
              f"n={len(rs)})")
    print()
ratio = lambda a, b: f"{med[a] / med[b]:.1f}x" if a in med and b in med and med[b] else "n/a"
print("ratios of median jobs/s:")
for e in ("evloop1", "evloop64"):
    print(f"  echo {e}/rq-simple: {ratio(('echo', e), ('echo', 'rq-simple'))}   "
          f"{e}/rq-fork: {ratio(('echo', e), ('echo', 'rq-fork'))}")
print(f"  io   evloop64/rq-simple: {ratio(('io', 'evloop64'), ('io', 'rq-simple'))}  "
      f"(ceiling for {io_conc} at a time, {io_delay * 1000:.0f} ms each: {io_conc / io_delay:.0f} jobs/s)")
best = max(med.get(("echo", k), 0) for k in ("evloop1", "evloop64"))
simple = med.get(("echo", "rq-simple"))
if simple:
    verdict = "holds" if best / simple >= 50 else "does NOT hold"
    print(f"target: an evloop worker >= 50x SimpleWorker's echo jobs/s: {best / simple:.1f}x, {verdict}")
PY
