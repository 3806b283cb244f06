#!/bin/sh
# Build footprint of reddit_top: cold release build time, binary size and
# crate count, evloop beside tokio + reqwest, with and without TLS. Each
# build starts from an empty target directory (dependencies already in
# cargo's download cache, so no network time is counted).
#
#   sh benches/footprint/measure.sh
set -eu
cd "$(dirname "$0")"
for pkg in evloop-reddit tokio-reddit; do
    for features in "" tls; do
        target=$(mktemp -d)
        start=$(date +%s.%N)
        crates=$(cd "$pkg" && CARGO_TARGET_DIR="$target" cargo build --release \
            ${features:+--features "$features"} 2>&1 | grep -c '^ *Compiling')
        end=$(date +%s.%N)
        bin=$(find "$target/release" -maxdepth 1 -type f -perm -u+x | head -1)
        size=$(stat -c %s "$bin")
        strip -o "$target/stripped" "$bin"
        stripped=$(stat -c %s "$target/stripped")
        printf '%s%s: %.1f s, %s crates compiled, binary %s KiB (%s KiB stripped)\n' \
            "$pkg" "${features:+ +$features}" "$(echo "$end - $start" | bc)" "$crates" \
            $((size / 1024)) $((stripped / 1024))
        rm -rf "$target"
    done
done
