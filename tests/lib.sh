# Shared helpers for test scripts (bash). Source it:
#     . "$(dirname "$0")/../lib.sh"
# Each check prints one line the runner (tests/run) counts:
#     ok - NAME | not ok - NAME: why | skip - NAME: why
# Python tests use tests/lib.py, which prints the same lines.

: "${BPFJAIL_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${BPFJAIL:=$BPFJAIL_ROOT/build/bpfjail}"
: "${BPFJAIL_CACHE:=$BPFJAIL_ROOT/.cache}"
export BPFJAIL_ROOT BPFJAIL BPFJAIL_CACHE

T_PASS=0
T_FAIL=0
T_SKIP=0

# oneline TEXT: newlines to " | ", at most 400 characters.
oneline() {
	local s
	s=$(printf '%s' "$*" | tr '\n\t' '  ' | sed 's/  */ /g')
	[ ${#s} -gt 400 ] && s="${s:0:400}..."
	printf '%s' "$s"
}

ok() { echo "ok - $1"; T_PASS=$((T_PASS + 1)); }
notok() { echo "not ok - $1: $(oneline "${2:-failed}")"; T_FAIL=$((T_FAIL + 1)); }
skip() { echo "skip - $1: $(oneline "${2:-skipped}")"; T_SKIP=$((T_SKIP + 1)); }

# check NAME CMD...: ok if CMD succeeds, else not ok with its output.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		notok "$name" "$* -> $out"
	fi
}

# assert_eq NAME EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		notok "$1" "expected '$2', got '$3'"
	fi
}

# assert_match NAME REGEX ACTUAL (extended regex)
assert_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		notok "$1" "'$3' does not match /$2/"
	fi
}

# need_cmd NAME CMD...: print skip and return 1 when a command is missing.
need_cmd() {
	local name=$1 c
	shift
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			skip "$name" "'$c' not installed (scripts/install-deps.sh)"
			return 1
		fi
	done
}

# Exit status for the end of a script: 1 if any check failed.
t_done() { [ "$T_FAIL" -eq 0 ]; }

# nolsm_victim NAME: the prelude of host-tier scripts that test what runs
# without BPF LSM: bpfjail built (else not ok, exit 1), BPF LSM NOT usable
# here (else skip, exit 0: the VM tier covers it), the Go victim built.
# Sets tmp (a private directory, removed at exit) and V (a private copy of
# the victim: a fresh inode that nothing pinned by another run knows).
nolsm_victim() {
	local victim
	if [ ! -x "$BPFJAIL" ]; then
		notok "$1: $BPFJAIL not built"
		exit 1
	fi
	if "$BPFJAIL" probe --require enforce >/dev/null 2>&1; then
		skip "$1" "BPF LSM works on this kernel (enforcement: VM tier)"
		exit 0
	fi
	victim=$("$BPFJAIL_ROOT/tests/go/build.sh" 2>&1 | tail -n 1)/victim
	if [ ! -x "$victim" ]; then
		notok "$1: cannot build the Go victim" "$victim"
		exit 1
	fi
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: tmp is fixed
	trap "rm -rf '$tmp'" EXIT
	cp "$victim" "$tmp/victim"
	V=$tmp/victim
}

