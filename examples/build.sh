#!/usr/bin/env bash
# Build the examples (Go 1.19 from Debian, standard library and local modules
# only, CGO_ENABLED=0) into build/go/:
#
#   gomodjail-vi   examples/gomodjail-vi (the gomodjail README example)
#
# Rebuilds only what is older than its sources. Prints the output directory.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${BPFJAIL_GO_OUT:-$ROOT/build/go}

command -v go >/dev/null 2>&1 || { echo "examples/build.sh: 'go' not found (install golang-go)" >&2; exit 1; }
export CGO_ENABLED=0 GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off
case $(go env GOCACHE 2>/dev/null) in
"" | off) export GOCACHE=$ROOT/build/go-cache ;;
esac
mkdir -p "$OUT"
for dir in "$HERE"/*/; do
	name=$(basename "$dir")
	[ -f "$dir/go.mod" ] || continue
	out=$OUT/$name
	if [ -x "$out" ] && [ -z "$(find "$dir" -newer "$out" -type f -print -quit)" ]; then
		continue
	fi
	(cd "$dir" && go build -o "$out.tmp" .)
	mv -f "$out.tmp" "$out"
done
echo "$OUT"
