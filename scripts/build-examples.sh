#!/usr/bin/env bash
# Build each examples/NAME (a Go main module, local modules wired with
# replace) into build/examples/NAME: Go 1.19 from Debian, static, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/examples
export CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" GOPROXY=off GOSUMDB=off \
	GOCACHE=${GOCACHE:-$PWD/build/go-cache} GOPATH=${GOPATH:-$PWD/build/gopath}
for dir in examples/*/; do
	name=$(basename "$dir")
	out=$PWD/build/examples/$name
	# Rebuild only when a source is newer than the binary.
	if [ -x "$out" ] && [ -z "$(find "$dir" -newer "$out" -type f | head -1)" ]; then
		continue
	fi
	(cd "$dir" && go build -o "$out" .)
	echo "built build/examples/$name"
done
