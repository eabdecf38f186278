# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The test VM: Debian's own kernel (BPF LSM on by default) under QEMU/TCG,
# booted from an initramfs of busybox-static, bash (with its libraries), the
# statically linked bpfjail and whatever the caller packs in.
# Sourced by scripts/vmrun and scripts/vm/run-tier. Functions return non-zero
# and leave a one-line reason in $VM_ERR on failure.
#
# Serial ports of the guest:
#   ttyS0  kernel console            -> $VM_TMP/console.log (shown on failure)
#   ttyS1  the job's stdout+stderr   -> this process's stdout, streamed
#   ttyS2  "exit N" or "error WHY"   -> $VM_TMP/status
#
# Environment (all optional):
#   BPFJAIL_CACHE        cache folder (default: ROOT/.cache); the kernel goes in vm/
#   BPFJAIL_VM_KERNEL    use this vmlinuz instead of fetching Debian's
#   BPFJAIL_VM_TIMEOUT   hard limit for one boot, seconds (callers set defaults)
#   BPFJAIL_VM_MEM       guest memory in MiB (default: 1024, or more for a big initramfs)
#   BPFJAIL_VM_CPUS      guest CPUs (default 2)
#   BPFJAIL_VM_VERBOSE   1: stream the kernel console to stderr as well
#   BPFJAIL_VM_APPEND    extra kernel command line parameters
#   BPFJAIL_VM_PVH       0: boot vmlinuz through the BIOS, not vmlinux through PVH

VM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_ROOT=$(cd "$VM_LIB_DIR/../.." && pwd)
VM_CACHE=${BPFJAIL_CACHE:-$VM_ROOT/.cache}/vm
VM_ERR=
VM_TMP=
VM_KERNEL=

vm_sudo() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo -n "$@"
	else
		return 1
	fi
}

# The package linux-image-amd64 depends on today, e.g. linux-image-6.1.0-56-amd64.
# apt-cache takes seconds here (no pkgcache.bin), so the answer is kept for the
# rest of the day, or until the package lists change (apt-get update).
vm_kernel_package() {
	local key memo=$VM_CACHE/.kernel-package pkg
	key="$(date +%F) $(stat -c %Y /var/lib/apt/lists 2>/dev/null)"
	if [ -f "$memo" ] && [ "$(head -n 1 "$memo")" = "$key" ]; then
		sed -n 2p "$memo"
		return 0
	fi
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] && printf '%s\n%s\n' "$key" "$pkg" >"$memo" 2>/dev/null
	echo "$pkg"
}

vm_apt_update() {
	echo "vm: running apt-get update" >&2
	vm_sudo apt-get update -qq >&2
}

# Set VM_KERNEL to a cached kernel image with BPF LSM, downloading Debian's
# current one if needed (see vm_bootable for which image).
vm_kernel() {
	local pkg dir tmp deb img rc
	VM_ERR='' VM_KERNEL=''
	if [ -n "${BPFJAIL_VM_KERNEL:-}" ]; then
		if [ -s "$BPFJAIL_VM_KERNEL" ]; then
			VM_KERNEL=$BPFJAIL_VM_KERNEL
			return 0
		fi
		VM_ERR="BPFJAIL_VM_KERNEL=$BPFJAIL_VM_KERNEL does not exist"
		return 1
	fi
	if ! command -v apt-cache >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
		VM_ERR="no apt-cache/dpkg-deb: cannot fetch Debian's kernel (set BPFJAIL_VM_KERNEL=/path/to/vmlinuz)"
		return 1
	fi
	mkdir -p "$VM_CACHE" || { VM_ERR="cannot create $VM_CACHE"; return 1; }

	pkg=$(vm_kernel_package)
	if [ -z "$pkg" ]; then
		vm_apt_update || true
		pkg=$(vm_kernel_package)
	fi
	if [ -z "$pkg" ]; then
		# Offline with no package lists: use the newest kernel already cached.
		img=$(ls -1d "$VM_CACHE"/linux-image-*/vmlinuz 2>/dev/null | sort -V | tail -n 1)
		if [ -n "$img" ]; then
			echo "vm: apt-cache does not know linux-image-amd64; using cached $img" >&2
			vm_bootable "$(dirname "$img")"
			return 0
		fi
		VM_ERR="apt-cache depends linux-image-amd64 names no kernel package (no Debian package lists? run 'apt-get update')"
		return 1
	fi

	dir=$VM_CACHE/$pkg
	if [ -s "$dir/vmlinuz" ]; then
		vm_bootable "$dir"
		return 0
	fi

	# One download at a time; another run may finish it while we wait.
	exec 8>"$VM_CACHE/.lock"
	flock 8
	if [ -s "$dir/vmlinuz" ]; then
		exec 8>&-
		vm_bootable "$dir"
		return 0
	fi
	tmp=$(mktemp -d "$VM_CACHE/dl.XXXXXX")
	chmod 0777 "$tmp" # apt's _apt sandbox user must be able to write here
	echo "vm: downloading $pkg (apt-get download)" >&2
	(cd "$tmp" && apt-get download -q "$pkg" >&2)
	rc=$?
	if [ $rc -ne 0 ]; then
		# Stale or missing lists (404 / unknown package): refresh once.
		vm_apt_update || true
		(cd "$tmp" && apt-get download -q "$pkg" >&2)
		rc=$?
	fi
	deb=$(ls -1 "$tmp"/*.deb 2>/dev/null | head -n 1)
	if [ $rc -ne 0 ] || [ -z "$deb" ]; then
		rm -rf "$tmp"
		exec 8>&-
		VM_ERR="apt-get download $pkg failed (network? package lists?)"
		return 1
	fi
	echo "vm: extracting /boot from $(basename "$deb") (dpkg-deb)" >&2
	if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./boot; then
		rm -rf "$tmp"
		exec 8>&-
		VM_ERR="dpkg-deb could not extract $deb"
		return 1
	fi
	img=$(ls -1 "$tmp"/boot/vmlinuz-* 2>/dev/null | head -n 1)
	if [ -z "$img" ]; then
		rm -rf "$tmp"
		exec 8>&-
		VM_ERR="$deb has no /boot/vmlinuz-*"
		return 1
	fi
	mkdir -p "$dir"
	cp "$tmp"/boot/config-* "$dir/config" 2>/dev/null || true
	basename "$deb" >"$dir/package"
	mv "$img" "$dir/vmlinuz.tmp" && mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
	rm -rf "$tmp"
	echo "vm: cached $dir/vmlinuz" >&2
	vm_bootable "$dir"
	exec 8>&-
}

# vm_bootable DIR: set VM_KERNEL to the image to boot from DIR. The uncompressed ELF
# vmlinux (extracted from vmlinuz once and cached) boots through its PVH entry
# point, which skips the BIOS and the kernel's own decompression: about 5 s
# less per boot under TCG. Falls back to vmlinuz. BPFJAIL_VM_PVH=0 disables it.
vm_bootable() {
	local dir=$1 tmp
	if [ "${BPFJAIL_VM_PVH:-1}" != 0 ]; then
		if [ ! -s "$dir/vmlinux" ] && tmp=$(mktemp "$dir/vmlinux.XXXXXX"); then
			vm_extract_vmlinux "$dir/vmlinuz" "$tmp" && chmod 0644 "$tmp" &&
				mv "$tmp" "$dir/vmlinux"
			rm -f "$tmp"
		fi
		if [ -s "$dir/vmlinux" ]; then
			VM_KERNEL=$dir/vmlinux
			return 0
		fi
	fi
	VM_KERNEL=$dir/vmlinuz
}

# vm_extract_vmlinux BZIMAGE OUT: like the kernel's scripts/extract-vmlinux.
# Succeeds only if OUT is an ELF file with a Xen/PVH entry note.
vm_extract_vmlinux() {
	local in=$1 out=$2 magic cmd off
	for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		cmd=${magic%%:*}
		command -v "$cmd" >/dev/null 2>&1 || continue
		for off in $(LC_ALL=C grep -aboP "${magic#*:}" "$in" 2>/dev/null | cut -d: -f1 | head -n 3); do
			case $cmd in
			xz) tail -c +$((off + 1)) "$in" | xz -dc --single-stream >"$out" 2>/dev/null ;;
			zstd) tail -c +$((off + 1)) "$in" | zstd -dcq >"$out" 2>/dev/null ;;
			gzip) tail -c +$((off + 1)) "$in" | gzip -dcq >"$out" 2>/dev/null ;;
			esac
			if [ "$(head -c 4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ] &&
				readelf -n "$out" 2>/dev/null | grep -q 'Xen.*0x00000012'; then
				return 0
			fi
		done
	done
	rm -f "$out"
	return 1
}

# vm_add STAGE PATH: copy PATH into STAGE at the same absolute path. For a
# dynamically linked executable, its shared libraries and loader come along.
vm_add() {
	local stage path=$2 abs lib
	stage=$(realpath -- "$1")
	abs=$(realpath -s -- "$path") || { VM_ERR="bad path: $path"; return 1; }
	if [ ! -e "$abs" ]; then
		VM_ERR="no such file or folder: $path"
		return 1
	fi
	if [ "$abs" = / ]; then
		VM_ERR="refusing to pack the whole root folder"
		return 1
	fi
	# -a keeps modes and links inside folders; -H follows PATH itself if it
	# is a symlink; --parents recreates the folders above it.
	# (From / with a relative name: cp -H --parents mishandles some absolute
	# names depending on the working directory.)
	if ! (cd / && cp -a -H --parents -- "${abs#/}" "$stage/"); then
		VM_ERR="could not copy $abs into the VM image"
		return 1
	fi
	# The cached kernels are of no use inside the VM (think --add .).
	case $VM_CACHE/ in
	"$abs"/*) rm -rf "${stage:?}$VM_CACHE" ;;
	esac
	vm_add_libs "$stage" "$abs"
}

# vm_add_libs STAGE FILE: the shared libraries (and loader) FILE needs, if it
# is a dynamically linked ELF executable.
vm_add_libs() {
	local stage file=$2 lib
	stage=$(realpath -- "$1")
	[ -f "$file" ] && [ -x "$file" ] || return 0
	head -c 4 "$file" 2>/dev/null | grep -q ELF || return 0
	for lib in $(ldd "$file" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$stage$lib" ] || (cd / && cp -L --parents -- "${lib#/}" "$stage/") || true
	done
	return 0
}

# vm_stage STAGE BPFJAIL_STATIC: the base image (busybox, bash, bpfjail, /init).
vm_stage() {
	local stage=$1 bpfjail=$2 d
	if [ ! -x /bin/busybox ]; then
		VM_ERR="/bin/busybox not found: install busybox-static ('make deps')"
		return 1
	fi
	if [ ! -x "$bpfjail" ]; then
		VM_ERR="$bpfjail not found: run 'make static'"
		return 1
	fi
	# merged-/usr layout, like the host, so copied paths resolve the same way
	mkdir -p "$stage"/usr/{bin,sbin,lib,lib64} "$stage"/{dev,proc,sys,tmp,run,root,etc,vm,mnt}
	for d in bin sbin lib lib64; do
		ln -s "usr/$d" "$stage/$d"
	done
	cp /bin/busybox "$stage/usr/bin/busybox"
	vm_add_libs "$stage" /bin/busybox # nothing for busybox-static
	ln -s busybox "$stage/usr/bin/sh"
	cp "$bpfjail" "$stage/usr/bin/bpfjail"
	vm_add "$stage" "$(command -v bash)" || return 1
	cp "$VM_LIB_DIR/init" "$stage/init"
	chmod 0755 "$stage/init" "$stage/usr/bin/bpfjail"
	echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
	echo "root:x:0:" >"$stage/etc/group"
	echo "bpfjail-vm" >"$stage/etc/hostname"
	return 0
}

# vm_pack STAGE OUT: an uncompressed newc cpio (nothing to decompress under TCG).
vm_pack() {
	local stage=$1 out=$2
	if ! command -v cpio >/dev/null 2>&1; then
		VM_ERR="cpio not found: install cpio ('make deps')"
		return 1
	fi
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out" || {
		VM_ERR="cpio failed"
		return 1
	}
}

# vm_boot KERNEL INITRD TIMEOUT: boot, stream the job's output to stdout, and
# return the job's exit status. Returns 125 with VM_ERR set when the VM
# itself failed (no qemu, timeout, panic, init error).
vm_boot() {
	local kernel=$1 initrd=$2 timeout=$3 rc status tailpid='' quiet=quiet mem size
	VM_ERR=
	# The initramfs is unpacked into guest memory: make room for it.
	size=$(($(stat -c %s "$initrd") / 1048576))
	# (The guest's rootfs is a tmpfs limited to half of the memory, and the
	# cpio itself stays in memory while it is unpacked.)
	mem=${BPFJAIL_VM_MEM:-$((size * 3 + 768 > 1024 ? size * 3 + 768 : 1024))}
	if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
		VM_ERR="qemu-system-x86_64 not found: install qemu-system-x86 ('make deps')"
		return 125
	fi
	: >"$VM_TMP/console.log"
	: >"$VM_TMP/status"
	if [ "${BPFJAIL_VM_VERBOSE:-0}" = 1 ]; then
		tail -n +1 -F "$VM_TMP/console.log" >&2 2>/dev/null &
		tailpid=$!
		quiet=	# the whole boot log
	fi
	# KVM hangs after the BIOS on these machines and -cpu host aborts: TCG only.
	timeout -k 10 "$timeout" qemu-system-x86_64 \
		-accel tcg -nodefaults -no-user-config -display none -no-reboot \
		-m "$mem" -smp "${BPFJAIL_VM_CPUS:-2}" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 $quiet panic=-1 mitigations=off lpj=4000000 tsc=reliable no_timer_check ${BPFJAIL_VM_APPEND:-}" \
		-serial "file:$VM_TMP/console.log" \
		-serial stdio \
		-serial "file:$VM_TMP/status" \
		${BPFJAIL_VM_QEMU_ARGS:-} \
		</dev/null 2>"$VM_TMP/qemu.err" | cat
	rc=${PIPESTATUS[0]}
	if [ -n "$tailpid" ]; then
		sleep 0.2
		kill "$tailpid" 2>/dev/null
		wait "$tailpid" 2>/dev/null
	fi
	if grep -q 'Initramfs unpacking failed' "$VM_TMP/console.log"; then
		VM_ERR="the guest could not unpack the ${size} MiB initramfs into ${mem} MiB of memory (pack less, or raise BPFJAIL_VM_MEM)"
		return 125
	fi
	status=$(tr -d '\r' <"$VM_TMP/status" | grep -E '^(exit|error) ' | tail -n 1)
	case $status in
	"exit "*)
		return "${status#exit }"
		;;
	"error "*)
		VM_ERR=${status#error }
		return 125
		;;
	esac
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		VM_ERR="timed out after ${timeout}s (BPFJAIL_VM_TIMEOUT raises the limit)"
	elif [ "$rc" -ne 0 ]; then
		VM_ERR="qemu failed (exit $rc): $(tail -n 3 "$VM_TMP/qemu.err" | tr '\n' ' ')"
	elif grep -q 'Kernel panic' "$VM_TMP/console.log"; then
		VM_ERR="guest kernel panicked: $(grep -m1 'Kernel panic' "$VM_TMP/console.log" | tr -d '\r')"
	else
		VM_ERR="the guest powered off without reporting a status"
	fi
	return 125
}

# Last lines of the guest's kernel console, each prefixed with "# ".
vm_console_tail() {
	[ -s "$VM_TMP/console.log" ] || return 0
	echo "# --- last lines of the guest console (all of it: $VM_CACHE/last-console.log) ---"
	tail -n "${1:-25}" "$VM_TMP/console.log" | tr -d '\r' | sed 's/^/# /'
}
