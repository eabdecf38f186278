#!/usr/bin/env bash
# The main job, for a newcomer on a fresh Debian 12 machine:
# install what is missing, build bpfjail and an example Go program, show
# what bpfjail reads from the binary, and run it with one module confined:
# the kernel blocks that module's exec with EPERM while main carries on.
#
# Enforcement needs BPF LSM. Where this kernel lacks it (bpfjail probe
# says so), the demo runs the same commands inside the test VM (Debian's
# own kernel under QEMU, scripts/vmrun).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
EX=examples/gomodjail-vi
BIN=$ROOT/build/examples/gomodjail-vi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/4 Installing missing packages (apt-get, once)"
bash scripts/install-deps.sh

step "2/4 Building bpfjail and the example Go program"
make -s all static
bash scripts/build-examples.sh

step "3/4 What bpfjail reads from the example binary"
echo "\$ bpfjail inspect $BIN"
build/bpfjail inspect "$BIN" | sed -n '1,9p;/^MODULE/,$p'
echo
echo "\$ bpfjail policy show --go-mod $EX/go.mod --binary $BIN"
build/bpfjail policy show --go-mod "$EX/go.mod" --binary "$BIN"

step "4/4 Running it with the module its go.mod confines"
cat <<'TXT'
The example's go.mod marks a dependency `// gomodjail:confined`. That module
tries to start vi. bpfjail lets main run freely and has the kernel deny the
confined module's attempt (its fork, the first step) with EPERM; main still
prints its result.
TXT
cmd=(bpfjail run --go-mod "$ROOT/$EX/go.mod" -- "$BIN")
if build/bpfjail probe --require enforce >/dev/null 2>&1; then
	echo "\$ ${cmd[*]}"
	"$ROOT/build/${cmd[0]}" "${cmd[@]:1}" || echo "(exit status $?)"
else
	echo "This kernel has no usable BPF LSM ('bpfjail probe'); running in the test VM:"
	echo "\$ scripts/vmrun -- ${cmd[*]}"
	scripts/vmrun --add "$ROOT/$EX" --add "$BIN" -- "${cmd[@]}" || echo "(exit status $?)"
fi
echo
echo "Next: 'make test' runs the whole test suite; README.md and docs/ explain the rest."
