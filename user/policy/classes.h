/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Permission classes and path access bits shared by the policy layer and the
 * BPF programs. Plain C99 on purpose: no includes, no libc, no compiler
 * extensions, so the BPF programs can include it next to vmlinux.h.
 *
 * A confined module is denied every guarded operation whose class is not in
 * its granted mask. docs/policy.md lists what each class covers.
 */
#ifndef BPFJAIL_POLICY_CLASSES_H
#define BPFJAIL_POLICY_CLASSES_H

/* Bit numbers. The order is ABI between user space and the BPF maps. */
enum bj_class_idx {
	BJ_CLASS_IDX_EXEC = 0,
	BJ_CLASS_IDX_RPATH,
	BJ_CLASS_IDX_WPATH,
	BJ_CLASS_IDX_CPATH,
	BJ_CLASS_IDX_DPATH,
	BJ_CLASS_IDX_FATTR,
	BJ_CLASS_IDX_INET,
	BJ_CLASS_IDX_UNIX,
	BJ_CLASS_IDX_NETLINK,
	BJ_CLASS_IDX_RAW,
	BJ_CLASS_IDX_PACKET,
	BJ_CLASS_IDX_PROC,
	BJ_CLASS_IDX_PTRACE,
	BJ_CLASS_IDX_ID,
	BJ_CLASS_IDX_PROT_EXEC,
	BJ_CLASS_IDX_IOCTL,
	BJ_CLASS_IDX_FCNTL,
	BJ_CLASS_IDX_MOUNT,
	BJ_CLASS_IDX_BPF,
	BJ_CLASS_IDX_KMOD,
	BJ_CLASS__COUNT
};

/* Masks: a granted set is a bitwise OR of these. */
enum bj_class {
	BJ_CLASS_EXEC = 1u << BJ_CLASS_IDX_EXEC,		/* execve, execveat */
	BJ_CLASS_RPATH = 1u << BJ_CLASS_IDX_RPATH,		/* open for reading, stat, readlink, readdir */
	BJ_CLASS_WPATH = 1u << BJ_CLASS_IDX_WPATH,		/* open for writing, truncate */
	BJ_CLASS_CPATH = 1u << BJ_CLASS_IDX_CPATH,		/* create, mkdir, rmdir, unlink, rename, link, symlink */
	BJ_CLASS_DPATH = 1u << BJ_CLASS_IDX_DPATH,		/* mknod */
	BJ_CLASS_FATTR = 1u << BJ_CLASS_IDX_FATTR,		/* chmod, chown, utimes, setxattr */
	BJ_CLASS_INET = 1u << BJ_CLASS_IDX_INET,		/* AF_INET/AF_INET6 sockets */
	BJ_CLASS_UNIX = 1u << BJ_CLASS_IDX_UNIX,		/* AF_UNIX sockets */
	BJ_CLASS_NETLINK = 1u << BJ_CLASS_IDX_NETLINK,		/* AF_NETLINK sockets */
	BJ_CLASS_RAW = 1u << BJ_CLASS_IDX_RAW,			/* SOCK_RAW sockets */
	BJ_CLASS_PACKET = 1u << BJ_CLASS_IDX_PACKET,		/* AF_PACKET sockets */
	BJ_CLASS_PROC = 1u << BJ_CLASS_IDX_PROC,		/* fork, signals to others, setpgid, prlimit */
	BJ_CLASS_PTRACE = 1u << BJ_CLASS_IDX_PTRACE,		/* ptrace */
	BJ_CLASS_ID = 1u << BJ_CLASS_IDX_ID,			/* setuid, setgid, setgroups, capset */
	BJ_CLASS_PROT_EXEC = 1u << BJ_CLASS_IDX_PROT_EXEC,	/* mmap/mprotect with PROT_EXEC */
	BJ_CLASS_IOCTL = 1u << BJ_CLASS_IDX_IOCTL,		/* ioctl */
	BJ_CLASS_FCNTL = 1u << BJ_CLASS_IDX_FCNTL,		/* fcntl */
	BJ_CLASS_MOUNT = 1u << BJ_CLASS_IDX_MOUNT,		/* mount, umount, pivot_root */
	BJ_CLASS_BPF = 1u << BJ_CLASS_IDX_BPF,			/* bpf(2) */
	BJ_CLASS_KMOD = 1u << BJ_CLASS_IDX_KMOD,		/* init_module, finit_module */
};

#define BJ_CLASS_ALL ((1u << BJ_CLASS__COUNT) - 1)

/*
 * Path rule access letters (landlock-like). A path rule grants the matching
 * class for paths at or beneath its path even when the class is not granted:
 * r = rpath, w = wpath, x = exec, c = cpath.
 */
enum bj_access {
	BJ_ACCESS_R = 1u << 0,
	BJ_ACCESS_W = 1u << 1,
	BJ_ACCESS_X = 1u << 2,
	BJ_ACCESS_C = 1u << 3,
};

#define BJ_ACCESS_ALL (BJ_ACCESS_R | BJ_ACCESS_W | BJ_ACCESS_X | BJ_ACCESS_C)

#endif /* BPFJAIL_POLICY_CLASSES_H */
