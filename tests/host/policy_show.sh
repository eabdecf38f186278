#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host tier: `bpfjail policy show` end to end: go.mod/YAML/--policy sources,
# exit statuses, error positions, JSON, and (when Go is installed) --binary
# against the victim test program. The parsing rules themselves are unit
# tested (tests/unit/policy.sh); this checks the command around them.
set -u
. "$(dirname "$0")/../lib.sh"
FIX=$BPFJAIL_ROOT/tests/policy
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$BPFJAIL" ]; then
	notok "policy show: $BPFJAIL built" "run make"
	t_done
	exit
fi

# run_bj: sets out, err, rc.
run_bj() {
	out=$("$BPFJAIL" "$@" 2>"$tmp/err")
	rc=$?
	err=$(cat "$tmp/err")
}

# row MODULE: the table line of MODULE in $out, columns squeezed.
row() { printf '%s\n' "$out" | awk -v m="$1" '$1 == m' | tr -s ' '; }

run_bj policy show --go-mod "$FIX/gomod/global.mod"
assert_eq "policy show go.mod: exit 0" 0 "$rc"
assert_match "policy show go.mod: header" '^MODULE +POLICY +ALLOW +PATHS +WHY' "$(printf '%s\n' "$out" | head -1)"
assert_match "policy show go.mod: main module first" '^example.com/foo main all - main module' "$(printf '%s\n' "$out" | sed -n 2p | tr -s ' ')"
assert_match "policy show go.mod: module default" \
	"^example.com/mod100 confined none - .*global.mod:7: // gomodjail:confined above module line \(module default; require at line 13\)" \
	"$(row example.com/mod100)"
assert_match "policy show go.mod: block override" \
	"^example.com/mod301 confined none - .*global.mod:30: // gomodjail:confined on require line" "$(row example.com/mod301)"
assert_match "policy show go.mod: unconfined" '^example.com/mod300 unconfined all - ' "$(row example.com/mod300)"

run_bj policy show --go-mod "$FIX/gomod/err-go-line.mod"
assert_eq "policy show: go-line tag exits 2" 2 "$rc"
assert_match "policy show: go-line error has FILE:LINE" 'err-go-line.mod:5: // gomodjail:confined on the go line' "$err"

run_bj policy show --policy-file "$FIX/yaml/bad-unknown-class.yaml"
assert_eq "policy show: bad YAML exits 2" 2 "$rc"
assert_match "policy show: YAML error has FILE:LINE:COL" "bad-unknown-class.yaml:4:20: unknown class 'inett'" "$err"

run_bj policy show --go-mod "$tmp/missing.mod"
assert_eq "policy show: missing go.mod exits 3" 3 "$rc"
run_bj policy show --policy example.com/foo=maybe
assert_eq "policy show: bad --policy exits 2" 2 "$rc"
run_bj -j policy show --policy example.com/foo
assert_match "policy show -j: error as JSON" '^\{"error":"--policy' "$out"
run_bj policy show --bogus
assert_eq "policy show: unknown option exits 2" 2 "$rc"

cat >"$tmp/p.yaml" <<'Y'
main_module: example.com/foo
modules:
  example.com/mod100:
    allow: [rpath, inet]
    paths: [{path: /etc/ssl, access: r}]
Y
run_bj policy show --go-mod "$FIX/gomod/global.mod" --policy-file "$tmp/p.yaml" \
	--policy example.com/mod300=confined --policy example.com/mod102=unconfined
assert_match "policy show: YAML grants and paths" \
	"^example.com/mod100 confined rpath,inet /etc/ssl:r .*p.yaml:3: modules\[example.com/mod100\]" "$(row example.com/mod100)"
assert_match "policy show: --policy confines" '^example.com/mod300 confined none - --policy example.com/mod300=confined$' "$(row example.com/mod300)"
assert_match "policy show: --policy unconfines" '^example.com/mod102 unconfined all - --policy example.com/mod102=unconfined$' "$(row example.com/mod102)"

if command -v python3 >/dev/null 2>&1; then
	run_bj -j policy show --go-mod "$FIX/gomod/nested.mod" --policy example.com/foo/sub/deep=confined
	j=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
m = {x["module"]: x for x in d["modules"]}
print(d["main_module"], m["example.com/foo/sub/deep"]["confined"], m["example.com/foo/sub"]["confined"],
      m["example.com/foo/bar"]["confined"] if "example.com/foo/bar" in m else "-",
      m["example.com/foo"]["allow"], len(d["warnings"]))' 2>&1)
	assert_eq "policy show -j: fields" "example.com/app True False - [] 0" "$j"
else
	skip "policy show -j: fields" "python3 not installed"
fi

# --binary: needs the Go test programs.
if ! command -v go >/dev/null 2>&1; then
	skip "policy show --binary" "go not installed (scripts/install-deps.sh)"
	t_done
	exit
fi
if ! godir=$(bash "$BPFJAIL_ROOT/tests/go/build.sh" 2>"$tmp/gobuild"); then
	notok "policy show --binary: test programs build" "$(cat "$tmp/gobuild")"
	t_done
	exit
fi
victim=$godir/victim
cat >"$tmp/victim.mod" <<'M'
module example.com/victim

require (
	example.com/foo v1.2.3 // gomodjail:confined
	example.com/foo/sub v0.3.0 // gomodjail:unconfined
	example.com/typo v1.0.0 // gomodjail:confined
)
M
run_bj policy show --go-mod "$tmp/victim.mod" --binary "$victim"
assert_eq "policy show --binary: exit 0" 0 "$rc"
assert_match "policy show --binary: FUNCS column" '^MODULE +POLICY +FUNCS +ALLOW' "$(printf '%s\n' "$out" | head -1)"
assert_match "policy show --binary: main module with functions" '^example.com/victim main [1-9][0-9]* all' "$(row example.com/victim)"
assert_match "policy show --binary: confined module present" '^example.com/foo confined [1-9][0-9]* none' "$(row example.com/foo)"
assert_match "policy show --binary: nested module unconfined" '^example.com/foo/sub unconfined [0-9]+ all' "$(row example.com/foo/sub)"
assert_match "policy show --binary: foobar not covered by foo" '^example.com/foobar unconfined [0-9]+ all - default \(unconfined\)' "$(row example.com/foobar)"
assert_match "policy show --binary: policy module absent from binary" '^example.com/typo confined absent' "$(row example.com/typo)"

printf 'module example.com/other\n' >"$tmp/other.mod"
run_bj policy show --go-mod "$tmp/other.mod" --binary "$victim"
assert_eq "policy show --binary: mismatch still exits 0" 0 "$rc"
assert_match "policy show --binary: main module mismatch warning" \
	"warning: main module mismatch: the policy is for example.com/other .* is example.com/victim; 'bpfjail run' will refuse it" "$err"

run_bj policy show --binary /etc/hostname
assert_eq "policy show --binary: not ELF exits 3" 3 "$rc"
t_done
