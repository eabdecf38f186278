#!/usr/bin/env bash
# Build the Go test programs (Go 1.19 from Debian, standard library and local
# modules only) into build/go/:
#
#   victim            default build
#   victim-stripped   -ldflags='-s -w' (no .symtab, no DWARF)
#   victim-pie        -buildmode=pie (ET_DYN, .data.rel.ro.gopclntab)
#   victim-trimpath   -trimpath
#   victim-extlink    -ldflags=-linkmode=external (gcc links; C start-up code
#                     precedes Go's text in .text)
#   tiny-stripped     tests/go/tiny, -ldflags='-s -w' (loader fuzz seed)
#   tiny-pie-stripped tests/go/tiny, -buildmode=pie -ldflags='-s -w'
#
# Idempotent: a variant is rebuilt only when a source under tests/go (or this
# script) is newer than it. Prints the output directory on stdout.
#   tests/go/build.sh [-f]      -f: rebuild everything
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${BPFJAIL_GO_OUT:-$ROOT/build/go}
force=0
[ "${1:-}" = -f ] && force=1

if ! command -v go >/dev/null 2>&1; then
	echo "tests/go/build.sh: 'go' not found (install golang-go: scripts/install-deps.sh)" >&2
	exit 1
fi

export CGO_ENABLED=0 GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off
# A fresh machine may have no writable HOME cache: keep Go's caches in build/.
case $(go env GOCACHE 2>/dev/null) in
"" | off) export GOCACHE=$ROOT/build/go-cache ;;
esac

mkdir -p "$OUT"

# NAME  DIR  go-build-flags... ('_' stands for a space inside a flag)
VARIANTS=(
	"victim victim"
	"victim-stripped victim -ldflags=-s_-w"
	"victim-pie victim -buildmode=pie"
	"victim-trimpath victim -trimpath"
	"victim-extlink victim -ldflags=-linkmode=external"
	"tiny-stripped tiny -ldflags=-s_-w"
	"tiny-pie-stripped tiny -buildmode=pie -ldflags=-s_-w"
)

stale() { # out: true when out is missing or older than any source
	[ $force -eq 1 ] && return 0
	[ -x "$1" ] || return 0
	[ -n "$(find "$HERE" "$HERE/build.sh" -newer "$1" -type f \
		\( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name 'build.sh' \) \
		-print -quit)" ]
}

for v in "${VARIANTS[@]}"; do
	read -r name dir flags <<<"$v"
	out=$OUT/$name
	stale "$out" || continue
	args=()
	for f in $flags; do args+=("${f//_/ }"); done
	# Quiet on success: external linking without cgo warns "loadinternal:
	# cannot find runtime/cgo", which is expected.
	if ! (cd "$HERE/$dir" && go build "${args[@]}" -o "$out.tmp" .) 2>"$OUT/$name.log"; then
		cat "$OUT/$name.log" >&2
		exit 1
	fi
	rm -f "$OUT/$name.log"
	mv -f "$out.tmp" "$out"
done
echo "$OUT"
