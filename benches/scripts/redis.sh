#!/usr/bin/env bash
# The Redis client, whole processes: evloop beside redis-rs (benches/redis.rs,
# REDIS_BENCH_ONCE mode) and beside redis-benchmark, all against ONE private
# redis-server on 127.0.0.1 that this script starts and stops.
#
#   bash benches/scripts/redis.sh            # PAIRS=5 by default
#   PAIRS=9 STRACE=1 bash benches/scripts/redis.sh
#
# Workloads (1,000,000 requests each, 64-byte values):
#   get: 50 tasks x 20,000 GETs on one multiplexed connection; reference
#        redis-benchmark -c 50 -P 1 -t get (50 connections, no pipelining)
#   set: SETs in pipelines of 100 from one task; reference
#        redis-benchmark -c 1 -P 100 -t set
# For each pair, both clients run once per workload (the order swaps every
# pair, so neither always runs on a warmer machine); then medians and the
# ratios the targets are stated in: evloop/redis-rs CPU, evloop req/s over
# redis-benchmark's. With STRACE=1 (and strace installed), one more run of
# each under `strace -f -c` gives syscalls per command.
#
# Needs redis-server and redis-benchmark (Debian: redis-server, which pulls
# in redis-tools), python3 and cargo. Without redis-server it says so and
# exits 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS=${PAIRS:-5}
REQUESTS=1000000

for tool in redis-server redis-benchmark redis-cli; do
    if ! command -v "$tool" >/dev/null; then
        echo "skipped: $tool not found (apt-get install redis-server)"
        exit 0
    fi
done

echo "building the bench binary (release)..."
BIN=$(cargo build --release -p evloop-benches --bench redis --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "redis" and m.get("executable"):
        print(m["executable"])')
[ -x "$BIN" ] || { echo "no bench binary; run cargo build --release -p evloop-benches --bench redis"; exit 1; }

# A temp dir, the private server and the cleanup (TMP, PORT, SERVER_PID, REDIS_URL).
. benches/scripts/common.sh
export REDIS_URL

# The server's CPU (user+sys, s) so far: who is the bottleneck on 2 cores.
server_cpu() {
    python3 -c '
import os, sys
f = open("/proc/%s/stat" % sys.argv[1]).read().rsplit(")", 1)[1].split()
print((int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"))' "$SERVER_PID"
}

# redis-benchmark's GET reads key:__rand_int__ (no -r: that literal key);
# give it the same 64-byte value ours read, not a nil reply. -d 64 makes
# its SETs write 64 bytes too. --csv is -q's figures, parseable.
redis-cli -h 127.0.0.1 -p "$PORT" set key:__rand_int__ "$(printf 'v%.0s' $(seq 64))" >/dev/null
echo
echo "redis-benchmark (reference):"
for bench in get set; do
    case $bench in
        get) args=(-c 50 -P 1 -t get) ;;
        set) args=(-c 1 -P 100 -t set) ;;
    esac
    s0=$(server_cpu)
    rps=$(redis-benchmark -h 127.0.0.1 -p "$PORT" "${args[@]}" -n "$REQUESTS" -d 64 --csv |
        awk -F'"' 'NR == 2 {print $4}')
    s1=$(server_cpu)
    echo "  ${args[*]}: $rps req/s (server CPU $(python3 -c "print(round($s1 - $s0, 2))") s)"
    echo "redis-benchmark $bench $rps" >>"$TMP/ref"
done

echo
echo "whole processes, $PAIRS pairs (client bench requests wall req/s user sys server-CPU):"
for i in $(seq "$PAIRS"); do
    order="evloop redis-rs"
    [ $((i % 2)) = 0 ] && order="redis-rs evloop"
    for bench in get set; do
        for client in $order; do
            s0=$(server_cpu)
            line=$(REDIS_BENCH_ONCE=$client REDIS_BENCH=$bench "$BIN")
            s1=$(server_cpu)
            line="$line server_s=$(python3 -c "print(round($s1 - $s0, 2))")"
            echo "  $line"
            echo "$line" >>"$TMP/runs"
        done
    done
done

echo
python3 - "$TMP/runs" "$TMP/ref" <<'PY'
import statistics, sys
runs = [dict(kv.split("=", 1) for kv in line.split()) for line in open(sys.argv[1])]
ref = {b: float(r) for _, b, r in (l.split() for l in open(sys.argv[2]))}
for bench in ("get", "set"):
    med = {}
    for client in ("evloop", "redis-rs"):
        rs = [r for r in runs if r["client"] == client and r["bench"] == bench]
        med[client] = {k: statistics.median(float(r[k]) for r in rs)
                       for k in ("rps", "user_s", "sys_s", "server_s")}
        m = med[client]
        print(f"{bench} {client:8} median {m['rps']:>9.0f} req/s  user {m['user_s']:.2f} s  "
              f"sys {m['sys_s']:.2f} s  cpu {m['user_s'] + m['sys_s']:.2f} s  "
              f"server {m['server_s']:.2f} s  (n={len(rs)})")
    e, r = med["evloop"], med["redis-rs"]
    cpu = lambda m: m["user_s"] + m["sys_s"]
    # CPU comes in 10 ms ticks: a zero is possible on tiny runs.
    ratio = lambda a, b: f"{a / b:.2f}" if b else "n/a"
    print(f"{bench} evloop/redis-rs: cpu {ratio(cpu(e), cpu(r))}  user {ratio(e['user_s'], r['user_s'])}  "
          f"sys {ratio(e['sys_s'], r['sys_s'])}  req/s {ratio(e['rps'], r['rps'])}")
    print(f"{bench} req/s over redis-benchmark's ({ref[bench]:.0f}): "
          f"evloop {ratio(e['rps'], ref[bench])}  redis-rs {ratio(r['rps'], ref[bench])}")
    print()
PY

if [ "${STRACE:-0}" = 1 ]; then
    if ! command -v strace >/dev/null; then
        echo "STRACE=1: skipped, strace not found (apt-get install strace)"
        exit 0
    fi
    echo "syscalls per command (strace -f -c, one run each; strace slows the run, not the count):"
    for bench in get set; do
        for client in evloop redis-rs; do
            REDIS_BENCH_ONCE=$client REDIS_BENCH=$bench strace -f -c -o "$TMP/strace" "$BIN" >/dev/null
            calls=$(awk '$NF == "total" {print $4}' "$TMP/strace")
            echo "  $bench $client: $calls syscalls = $(python3 -c "print(round($calls / $REQUESTS, 3))") per command"
            # The busiest calls: the header, its rule, then the top four.
            sed -n 3,6p "$TMP/strace" | sed 's/^/    /'
        done
    done
fi
