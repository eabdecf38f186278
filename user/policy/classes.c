// SPDX-License-Identifier: GPL-2.0
/* Class names and path access letters. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

static const char *const class_names[BJ_CLASS__COUNT] = {
	[BJ_CLASS_IDX_EXEC] = "exec",
	[BJ_CLASS_IDX_RPATH] = "rpath",
	[BJ_CLASS_IDX_WPATH] = "wpath",
	[BJ_CLASS_IDX_CPATH] = "cpath",
	[BJ_CLASS_IDX_DPATH] = "dpath",
	[BJ_CLASS_IDX_FATTR] = "fattr",
	[BJ_CLASS_IDX_INET] = "inet",
	[BJ_CLASS_IDX_UNIX] = "unix",
	[BJ_CLASS_IDX_NETLINK] = "netlink",
	[BJ_CLASS_IDX_RAW] = "raw",
	[BJ_CLASS_IDX_PACKET] = "packet",
	[BJ_CLASS_IDX_PROC] = "proc",
	[BJ_CLASS_IDX_PTRACE] = "ptrace",
	[BJ_CLASS_IDX_ID] = "id",
	[BJ_CLASS_IDX_PROT_EXEC] = "prot_exec",
	[BJ_CLASS_IDX_IOCTL] = "ioctl",
	[BJ_CLASS_IDX_FCNTL] = "fcntl",
	[BJ_CLASS_IDX_MOUNT] = "mount",
	[BJ_CLASS_IDX_BPF] = "bpf",
	[BJ_CLASS_IDX_KMOD] = "kmod",
};

/* Access letters, in the order bj_access_str prints them. */
static const struct {
	char letter;
	uint32_t bit;
} access_letters[] = {
	{ 'r', BJ_ACCESS_R },
	{ 'w', BJ_ACCESS_W },
	{ 'x', BJ_ACCESS_X },
	{ 'c', BJ_ACCESS_C },
};

const char *bj_class_name(unsigned int idx)
{
	return idx < BJ_CLASS__COUNT ? class_names[idx] : NULL;
}

int bj_class_lookup(const char *name)
{
	for (int i = 0; i < BJ_CLASS__COUNT; i++)
		if (strcmp(class_names[i], name) == 0)
			return i;
	return -1;
}

char *bj_classes_str(uint32_t mask, char *buf, size_t size)
{
	size_t off = 0;

	if (!size)
		return buf;
	buf[0] = '\0';
	mask &= BJ_CLASS_ALL;
	if (mask == 0 || mask == BJ_CLASS_ALL) {
		snprintf(buf, size, "%s", mask ? "all" : "none");
		return buf;
	}
	for (int i = 0; i < BJ_CLASS__COUNT; i++) {
		int n;

		if (!(mask & (1u << i)))
			continue;
		n = snprintf(buf + off, size - off, "%s%s", off ? "," : "", class_names[i]);
		if (n < 0 || (size_t)n >= size - off)
			break;	/* truncated: buf stays NUL-terminated */
		off += n;
	}
	return buf;
}

int bj_access_parse(const char *s, uint32_t *out)
{
	uint32_t acc = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		uint32_t bit = 0;

		for (size_t i = 0; i < sizeof(access_letters) / sizeof(access_letters[0]); i++)
			if (access_letters[i].letter == *s)
				bit = access_letters[i].bit;
		if (!bit || (acc & bit))
			return -EINVAL;	/* unknown or repeated letter */
		acc |= bit;
	}
	*out = acc;
	return 0;
}

char *bj_access_str(uint32_t access, char buf[5])
{
	int n = 0;

	for (size_t i = 0; i < sizeof(access_letters) / sizeof(access_letters[0]); i++)
		if (access & access_letters[i].bit)
			buf[n++] = access_letters[i].letter;
	buf[n] = '\0';
	return buf;
}
