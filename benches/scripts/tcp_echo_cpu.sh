#!/bin/sh
# tcp_echo CPU split and syscalls, evloop beside tokio, outside criterion.
#
# For each runtime, alternately, ROUNDS times: run tcp_echo NET_BENCH_RUNS
# times in one process under `perf stat` (user and system seconds), then
# print the medians. With STRACE=1, also count syscalls per round trip with
# `strace -c -f` (one run each). Needs perf (Debian: linux-perf) and, for
# STRACE=1, strace.
#
#   cargo build --release -p evloop-benches --bench net
#   sh benches/scripts/tcp_echo_cpu.sh
set -eu
cd "$(dirname "$0")/../.."
BIN=$(ls -t target/release/deps/net-* | grep -v '\.d$' | head -1)
ROUNDS=${ROUNDS:-7}
export NET_BENCH_RUNS=${NET_BENCH_RUNS:-5}
TMP=$(mktemp -d)
for i in $(seq "$ROUNDS"); do
    for rt in evloop tokio; do
        NET_BENCH_ONCE=$rt perf stat -o "$TMP/stat" "$BIN" > /dev/null
        wall=$(awk '/seconds time elapsed/ {print $1}' "$TMP/stat")
        user=$(awk '/seconds user/ {print $1}' "$TMP/stat")
        sys=$(awk '/seconds sys/ {print $1}' "$TMP/stat")
        echo "$rt $wall $user $sys" >> "$TMP/all"
    done
done
python3 - "$TMP/all" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
for rt in ("evloop", "tokio"):
    r = [list(map(float, x[1:])) for x in rows if x[0] == rt]
    med[rt] = [statistics.median(c) for c in zip(*r)]
    print(f"{rt:7} median wall {med[rt][0]:.3f}s user {med[rt][1]:.3f}s sys {med[rt][2]:.3f}s  (n={len(r)})")
e, t = med["evloop"], med["tokio"]
print(f"ratio  wall {e[0]/t[0]:.2f}  user {e[1]/t[1]:.2f}  sys {e[2]/t[2]:.2f}")
PY
if [ "${STRACE:-0}" = 1 ]; then
    for rt in evloop tokio; do
        NET_BENCH_ONCE=$rt NET_BENCH_RUNS=1 strace -c -f -o "$TMP/strace" "$BIN" > /dev/null
        calls=$(awk '$NF=="total" {print $4}' "$TMP/strace")
        echo "$rt: $calls syscalls for 160000 round trips = $(python3 -c "print(round($calls/160000, 2))") per round trip"
        sed -n 3,6p "$TMP/strace"
    done
fi
rm -rf "$TMP"
