#!/usr/bin/env bash
# Whole-process figures: evloop beside tokio and smol, one workload per
# process (the `workload` binary, benches/whole/).
#
# Builds `workload` in release, then for each workload runs the three
# runtimes alternately (evloop tokio smol evloop tokio smol ...) ROUNDS
# times, one process each, and takes the user+sys CPU time the kernel
# charged each process. Prints a markdown table: per workload the median CPU
# of each runtime and the ratios evloop/tokio and evloop/smol (below 1,
# evloop is cheaper); for sleep_lateness and mem_* the medians of the
# figures the processes print instead (lower is better there too).
# smol has no twin of process, fs_read and join_set (the binary's
# "smol n/a" line): those rows say n/a for smol.
#
#   bash benches/scripts/whole_process.sh
#   ROUNDS=9 WORKLOADS="tcp_echo mem_sleep" bash benches/scripts/whole_process.sh
#   ROUNDS=1 WORKLOADS="select_loop process fs_read" bash benches/scripts/whole_process.sh
#   FEATURES=joinset WORKLOADS=join_set bash benches/scripts/whole_process.sh
#
# ROUNDS     runs of each runtime per workload (default 7)
# WORKLOADS  the workloads to run, space-separated (default: all of them;
#            `workload` without arguments lists them)
# FEATURES   cargo features of evloop-benches to build with (default none;
#            `joinset` adds the join_set workload, which needs
#            evloop::task::JoinSet)
# WP_SCALE   multiplies each workload's size (default 1; 0.1 for a smoke run)
# TIMER      gnu (/usr/bin/time, 10 ms resolution) or python (getrusage of
#            the child, microseconds); default gnu where /usr/bin/time is
#            there, else python
#
# Progress goes to stderr, the table to stdout. Needs cargo and python3;
# Linux (the mem_* workloads read /proc/self/status).
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-7}
case "$ROUNDS" in
'' | *[!0-9]* | 0) echo "ROUNDS must be a positive integer, not '$ROUNDS'" >&2; exit 2 ;;
esac
export WP_SCALE=${WP_SCALE:-1}
RUNTIMES="evloop tokio smol"
if [ -z "${TIMER:-}" ]; then
    if [ -x /usr/bin/time ]; then TIMER=gnu; else TIMER=python; fi
fi
case "$TIMER" in
gnu | python) ;;
*) echo "TIMER must be gnu or python, not '$TIMER'" >&2; exit 2 ;;
esac

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

echo "building workload (release)..." >&2
BIN=$(cargo build --release -p evloop-benches --bin workload \
    ${FEATURES:+--features "$FEATURES"} --message-format=json-render-diagnostics |
    python3 -c '
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "workload" and msg.get("executable"):
        print(msg["executable"])')
[ -x "$BIN" ] || { echo "no workload binary after the build" >&2; exit 1; }

# The binary's own list, so that the two never disagree.
ALL=$("$BIN" 2>&1 | sed -n 's/^names: //p' || true)
SMOL_NA=$("$BIN" 2>&1 | sed -n 's/^smol n\/a: //p' || true)
WORKLOADS=${WORKLOADS:-$ALL}
for w in $WORKLOADS; do
    case " $ALL " in
    *" $w "*) ;;
    *) echo "unknown workload '$w'; known: $ALL" >&2; exit 2 ;;
    esac
done

# The python timer: runs the command with stdout to a file and writes
# "user sys wall" of it to another. RUSAGE_CHILDREN is read before and
# after: it is not zero at start when python3 is a wrapper (pyenv's shim)
# whose own children were waited for before it exec'd the interpreter.
cat >"$TMP/run.py" <<'PY'
import resource, subprocess, sys, time
times, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
before = resource.getrusage(resource.RUSAGE_CHILDREN)
start = time.monotonic()
with open(out, "w") as f:
    code = subprocess.run(cmd, stdout=f).returncode
wall = time.monotonic() - start
after = resource.getrusage(resource.RUSAGE_CHILDREN)
user = after.ru_utime - before.ru_utime
sys_ = after.ru_stime - before.ru_stime
with open(times, "w") as f:
    f.write(f"{user:.6f} {sys_:.6f} {wall:.6f}\n")
sys.exit(code)
PY

# One process: appends "workload runtime user sys wall figure" to $TMP/all
# (figure "-" for workloads that print none).
run_one() {
    local rt=$1 w=$2 code=0
    if [ "$TIMER" = gnu ]; then
        /usr/bin/time -f "%U %S %e" -o "$TMP/times" "$BIN" "$rt" "$w" >"$TMP/out" || code=$?
    else
        python3 "$TMP/run.py" "$TMP/times" "$TMP/out" "$BIN" "$rt" "$w" || code=$?
    fi
    if [ "$code" != 0 ]; then
        echo "workload $rt $w failed (exit $code)" >&2
        exit 1
    fi
    local figure
    figure=$(awk '$1 == "figure" {print $2}' "$TMP/out")
    # GNU time may put a line of its own before the figures; keep the last.
    read -r user sys wall < <(tail -1 "$TMP/times")
    echo "$w $rt $user $sys $wall ${figure:--}" >>"$TMP/all"
    echo "  $w $rt: user $user s, sys $sys s, wall $wall s${figure:+, figure $figure}" >&2
}

: >"$TMP/all"
for w in $WORKLOADS; do
    for i in $(seq "$ROUNDS"); do
        echo "$w, round $i of $ROUNDS" >&2
        for rt in $RUNTIMES; do
            # No process for a workload smol has no twin of: "n/a" below.
            if [ "$rt" = smol ] && [[ " $SMOL_NA " == *" $w "* ]]; then
                continue
            fi
            run_one "$rt" "$w"
        done
    done
done

rustc_version=$(rustc -V 2>/dev/null || echo "rustc ?")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
python3 - "$TMP/all" "$ROUNDS" "$WP_SCALE" "$TIMER" "$rustc_version" \
    "$(nproc) × ${cpu:-unknown CPU}, Linux $(uname -r)" "$SMOL_NA" $WORKLOADS <<'PY'
import statistics, sys
path, rounds, scale, timer, rustc, machine, smol_na, *workloads = sys.argv[1:]
smol_na = smol_na.split()
rows = [line.split() for line in open(path)]
units = {"sleep_lateness": "µs late (mean of the sleeps)",
         "mem_pending": "B/task", "mem_sleep": "B/task", "mem_empty": "KiB peak RSS"}
timers = {"gnu": "/usr/bin/time, 10 ms resolution", "python": "getrusage of the child"}
print(f"`bash benches/scripts/whole_process.sh` (ROUNDS={rounds}, WP_SCALE={scale}): "
      f"one process per run, evloop, tokio `current_thread` and smol "
      f"(`LocalExecutor` + async-io) alternating; {machine}, {rustc}, release. "
      f"CPU is user+sys of the whole process ({timers[timer]}); medians of {rounds}; "
      "a ratio below 1 means evloop is cheaper.")
print()
print("| workload | measure | evloop | tokio | smol | evloop/tokio | evloop/smol |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for w in workloads:
    med = {}
    for rt in ("evloop", "tokio", "smol"):
        mine = [r for r in rows if r[0] == w and r[1] == rt]
        if not mine:
            med[rt] = None
            continue
        if w in units:
            med[rt] = statistics.median(float(r[5]) for r in mine)
        else:
            med[rt] = statistics.median(float(r[2]) + float(r[3]) for r in mine)
    if w in units:
        measure = units[w]
        fmt = lambda v: f"{v:,.1f}" if v < 100 else f"{v:,.0f}"
    else:
        measure = "CPU"
        fmt = lambda v: f"{v:.3f} s"
    # No runs: a workload smol has no twin of.
    cell = lambda v: "n/a" if v is None else fmt(v)
    ratio = lambda a, b: "n/a" if a is None or b is None else f"{a / b:.2f}" if b > 0 else "–"
    e, t, s = med["evloop"], med["tokio"], med["smol"]
    print(f"| `{w}` | {measure} | {cell(e)} | {cell(t)} | {cell(s)} | {ratio(e, t)} | {ratio(e, s)} |")
PY
