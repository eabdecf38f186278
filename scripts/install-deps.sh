#!/usr/bin/env bash
# Install every build and test dependency of bpfjail on Debian 12.
# Idempotent: packages already present are left alone; apt-get runs only when
# something is missing.
set -euo pipefail

PKGS=(
	make gcc clang llvm pkg-config git ca-certificates
	libbpf-dev libelf-dev zlib1g-dev libzstd-dev
	bpftool
	libyaml-dev libjson-c-dev libmicrohttpd-dev nettle-dev
	golang-go
	python3 python3-yaml
	prometheus
	libclang-rt-14-dev
	qemu-system-x86 busybox-static cpio
	xz-utils
	iproute2 procps strace
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done

# npm fetches the real-world Go binaries the loader tests use. Machines here
# ship it with nodejs; only ask apt for Debian's npm when no npm exists at all.
if ! command -v npm >/dev/null 2>&1; then
	missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

echo "install-deps: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
