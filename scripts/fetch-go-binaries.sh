#!/usr/bin/env bash
# Fetch real-world Go binaries (pinned versions, from the npm registry) that
# the loader tests read: older and newer pclntab formats than Debian's Go 1.19
# can produce, and big binaries with many third-party modules.
#
#   scripts/fetch-go-binaries.sh [NAME...]     fetch all (or the named) binaries
#   scripts/fetch-go-binaries.sh --list        print "NAME PATH" for each one
#
# Binaries land in $BPFJAIL_CACHE/npm (default .cache/npm, git-ignored) as
# NAME (e.g. esbuild-0.7.22). A binary already present with the recorded
# sha256 is not fetched again; a download whose sha256 differs is an error.
# Exit status: 0 all present, 1 a verification failed (wrong sha256, file
# missing from the tarball), 2 a download failed (npm missing or unreachable).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${BPFJAIL_CACHE:-$ROOT/.cache}/npm

# NAME  npm-spec  path-in-tarball  sha256-of-the-binary
BINARIES=(
	"esbuild-0.7.22  esbuild-linux-64@0.7.22  package/bin/esbuild  588d942e1bd1a79111ba300cf0510b4f7f1ebbc3680b72496947900fe4289cf1"
	"esbuild-0.8.57  esbuild-linux-64@0.8.57  package/bin/esbuild  c113262e26944f88d64ab35488983fc64d3215b8a7a4a39f4e5e55918250ed4c"
	"esbuild-0.12.29 esbuild-linux-64@0.12.29 package/bin/esbuild  f92dccf9e51a9f71d4911fd1bf299028fdf66a322982086a889fd7f4cecf4833"
	"esbuild-0.14.54 esbuild-linux-64@0.14.54 package/bin/esbuild  d83565c6c08a43b1b20c1d1858aecdc2b16c6b24033d5961793de16fbf108f0f"
	"esbuild-0.28.2  @esbuild/linux-x64@0.28.2 package/bin/esbuild e1698a3d5c6c0798fee4fd3b5cc816651f460c63d390a7a26ea4beb0b1884100"
	"buf-1.75.0      @bufbuild/buf-linux-x64@1.75.0 package/bin/buf fad1e38d6909bbb583a4da81d8c02a01046e2cd663bde7e337dd24277393764b"
	"lefthook-2.2.2  @evilmartians/lefthook@2.2.2 package/bin/lefthook-linux-x64/lefthook 7771d6243018b445bb83dd3c9b12dffd92a6067a3958f21d984bb389d8dbbc58"
)

if [ "${1:-}" = --list ]; then
	for b in "${BINARIES[@]}"; do
		read -r name _ <<<"$b"
		echo "$name $CACHE/$name"
	done
	exit 0
fi

want=("$@")
wanted() {
	[ ${#want[@]} -eq 0 ] && return 0
	local w
	for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done
	return 1
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

mkdir -p "$CACHE"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
neterr=0
for b in "${BINARIES[@]}"; do
	read -r name spec inner sha <<<"$b"
	wanted "$name" || continue
	out=$CACHE/$name
	if [ -f "$out" ] && [ "$(sha_of "$out")" = "$sha" ]; then
		continue
	fi
	if ! command -v npm >/dev/null 2>&1; then
		echo "fetch-go-binaries: npm is not installed (run scripts/install-deps.sh); cannot fetch $spec" >&2
		neterr=1
		continue
	fi
	if [ -z "${registry_ok:-}" ]; then
		registry=$(npm config get registry 2>/dev/null || echo '?')
		if ! timeout 90 npm ping --loglevel=error --fetch-retries=1 --fetch-timeout=30000 >"$tmp/ping.log" 2>&1; then
			echo "fetch-go-binaries: the npm registry $registry is unreachable ('npm ping' failed); cannot fetch the real-world Go binaries the loader tests use:" >&2
			grep -m 2 -E 'FetchError|npm error code' "$tmp/ping.log" | sed 's/^npm error /  /' >&2 || true
			exit 2
		fi
		registry_ok=1
	fi
	echo "fetch-go-binaries: npm pack $spec" >&2
	d=$tmp/$name
	mkdir -p "$d"
	if ! (cd "$d" && timeout 600 npm pack --loglevel=error "$spec" >npm.out 2>npm.err); then
		echo "fetch-go-binaries: 'npm pack $spec' failed (registry $registry):" >&2
		grep -m 3 '^npm error' "$d/npm.err" | sed 's/^npm error /  /' >&2 || true
		neterr=1
		continue
	fi
	tgz=$(find "$d" -maxdepth 1 -name '*.tgz' | head -n 1)
	if [ -z "$tgz" ] || ! tar -xzf "$tgz" -C "$d" "$inner" 2>/dev/null; then
		echo "fetch-go-binaries: $spec: tarball lacks $inner" >&2
		bad=1
		continue
	fi
	got=$(sha_of "$d/$inner")
	if [ "$got" != "$sha" ]; then
		echo "fetch-go-binaries: $spec: $inner has sha256 $got, expected $sha" >&2
		bad=1
		continue
	fi
	chmod 0755 "$d/$inner"
	mv -f "$d/$inner" "$out"
	rm -rf "$d"
done
[ $bad -eq 0 ] || exit 1
[ $neterr -eq 0 ] || exit 2
exit 0
