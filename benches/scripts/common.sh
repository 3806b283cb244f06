# Sourced by benches/scripts/redis.sh and rq.sh: a temp dir, a private
# redis-server on a free loopback port, and a cleanup that stops whatever
# the script started. Sets TMP, PORT, SERVER_PID and REDIS_URL.

TMP=$(mktemp -d)
SERVER_PID=
# Extra children the caller starts (an HTTP server, ...), stopped at exit.
EXTRA_PIDS=

# Without errexit: `wait` on a killed child returns non-zero, which under
# `set -e` ended the trap before the rest was stopped and the dir removed.
cleanup() {
    set +e
    local pid
    for pid in $EXTRA_PIDS $SERVER_PID; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port: the kernel picks, we close and reuse it at once.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$PORT" --save "" --appendonly no \
    --dir "$TMP" --daemonize no >"$TMP/redis.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 200); do
    [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ] && break
    sleep 0.05
done
[ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ] ||
    { echo "redis-server did not come up:"; cat "$TMP/redis.log"; exit 1; }
REDIS_URL="redis://127.0.0.1:$PORT/"
echo "redis-server $(redis-server --version | awk '{print $3}') pid $SERVER_PID on $REDIS_URL"
