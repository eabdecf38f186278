// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "events.h"
#include "policy/policy.h"

static const char *const op_names[BJ_OP_COUNT] = {
	[BJ_OP_EXEC] = "exec", [BJ_OP_OPEN_READ] = "open-read", [BJ_OP_OPEN_WRITE] = "open-write",
	[BJ_OP_STAT] = "stat", [BJ_OP_READLINK] = "readlink", [BJ_OP_TRUNCATE] = "truncate",
	[BJ_OP_CREATE] = "create", [BJ_OP_MKDIR] = "mkdir", [BJ_OP_RMDIR] = "rmdir",
	[BJ_OP_UNLINK] = "unlink", [BJ_OP_RENAME] = "rename", [BJ_OP_LINK] = "link",
	[BJ_OP_SYMLINK] = "symlink", [BJ_OP_MKNOD] = "mknod", [BJ_OP_CHMOD] = "setattr",
	[BJ_OP_CHOWN] = "chown", [BJ_OP_SETXATTR] = "setxattr", [BJ_OP_SOCKET] = "socket",
	[BJ_OP_CONNECT] = "connect", [BJ_OP_BIND] = "bind", [BJ_OP_LISTEN] = "listen",
	[BJ_OP_ACCEPT] = "accept", [BJ_OP_SENDTO] = "sendto", [BJ_OP_FORK] = "fork",
	[BJ_OP_KILL] = "kill", [BJ_OP_SETPGID] = "setpgid", [BJ_OP_SETRLIMIT] = "setrlimit",
	[BJ_OP_PTRACE] = "ptrace", [BJ_OP_SETUID] = "setuid", [BJ_OP_SETGID] = "setgid",
	[BJ_OP_SETGROUPS] = "setgroups", [BJ_OP_CAPSET] = "capset", [BJ_OP_MMAP_EXEC] = "mmap-exec",
	[BJ_OP_MPROTECT_EXEC] = "mprotect-exec", [BJ_OP_IOCTL] = "ioctl", [BJ_OP_FCNTL] = "fcntl",
	[BJ_OP_MOUNT] = "mount", [BJ_OP_UMOUNT] = "umount", [BJ_OP_PIVOT_ROOT] = "pivot_root",
	[BJ_OP_BPF] = "bpf", [BJ_OP_KMOD] = "kmod", [BJ_OP_SYSCALL] = "syscall",
};

/* x86_64 names of the syscalls the sys_enter program guards (kill/audit). */
static const char *syscall_name(unsigned int nr)
{
	switch (nr) {
	case 2: return "open"; case 4: return "stat"; case 5: return "fstat"; case 6: return "lstat";
	case 9: return "mmap"; case 10: return "mprotect"; case 16: return "ioctl";
	case 41: return "socket"; case 42: return "connect"; case 43: return "accept";
	case 44: return "sendto"; case 46: return "sendmsg"; case 49: return "bind";
	case 50: return "listen"; case 53: return "socketpair"; case 56: return "clone";
	case 57: return "fork"; case 58: return "vfork"; case 59: return "execve"; case 62: return "kill";
	case 72: return "fcntl"; case 76: return "truncate"; case 77: return "ftruncate";
	case 82: return "rename"; case 83: return "mkdir"; case 84: return "rmdir"; case 85: return "creat";
	case 86: return "link"; case 87: return "unlink"; case 88: return "symlink"; case 89: return "readlink";
	case 90: return "chmod"; case 91: return "fchmod"; case 92: return "chown"; case 93: return "fchown";
	case 94: return "lchown"; case 101: return "ptrace"; case 105: return "setuid";
	case 106: return "setgid"; case 109: return "setpgid"; case 112: return "setsid";
	case 113: return "setreuid"; case 114: return "setregid"; case 116: return "setgroups";
	case 117: return "setresuid"; case 119: return "setresgid"; case 122: return "setfsuid";
	case 123: return "setfsgid"; case 126: return "capset"; case 129: return "rt_sigqueueinfo";
	case 132: return "utime"; case 133: return "mknod"; case 155: return "pivot_root";
	case 165: return "mount"; case 166: return "umount2"; case 175: return "init_module";
	case 188: return "setxattr"; case 189: return "lsetxattr"; case 190: return "fsetxattr";
	case 197: return "removexattr"; case 198: return "lremovexattr"; case 199: return "fremovexattr";
	case 200: return "tkill"; case 234: return "tgkill"; case 235: return "utimes";
	case 257: return "openat"; case 258: return "mkdirat"; case 259: return "mknodat";
	case 260: return "fchownat"; case 261: return "futimesat"; case 262: return "newfstatat";
	case 263: return "unlinkat"; case 264: return "renameat"; case 265: return "linkat";
	case 266: return "symlinkat"; case 267: return "readlinkat"; case 268: return "fchmodat";
	case 280: return "utimensat"; case 288: return "accept4"; case 297: return "rt_tgsigqueueinfo";
	case 302: return "prlimit64"; case 313: return "finit_module"; case 316: return "renameat2";
	case 321: return "bpf"; case 322: return "execveat"; case 329: return "pkey_mprotect";
	case 332: return "statx"; case 424: return "pidfd_send_signal"; case 429: return "move_mount";
	case 435: return "clone3"; case 437: return "openat2";
	default: return "syscall";
	}
}

/* Name of an event's operation: the LSM op, or the guarded syscall. */
const char *bj_event_op(const struct bj_event *e)
{
	return e->op == BJ_OP_SYSCALL ? syscall_name(e->arg) : bj_op_name(e->op);
}

const char *bj_op_name(unsigned int op)
{
	return op < BJ_OP_COUNT && op_names[op] ? op_names[op] : "unknown";
}

const char *bj_verdict_msg(unsigned int verdict)
{
	switch (verdict) {
	case BJ_ALLOW: return "allowed";
	case BJ_DENY: return "blocked";
	case BJ_AUDIT: return "would-block";
	case BJ_KILL: return "killed";
	default: return "allowed";
	}
}

const char *bj_reason_name(unsigned int reason)
{
	switch (reason) {
	case BJ_REASON_CONFINED: return "confined";
	case BJ_REASON_TRUNCATED: return "stack-truncated";
	case BJ_REASON_NO_TEXT: return "no-go-frame";
	case BJ_REASON_NO_TABLE: return "no-table";
	case BJ_REASON_EXEC_MISMATCH: return "exec-mismatch";
	case BJ_REASON_WALK_MISMATCH: return "walk-mismatch";
	default: return "unknown";
	}
}

void bj_logger_init(struct bj_logger *l, FILE *out, bool json)
{
	memset(l, 0, sizeof(*l));
	l->out = out;
	l->json = json;
	l->burst = 5;
	l->window_ns = 10ull * 1000 * 1000 * 1000;
}

void bj_logger_add_table(struct bj_logger *l, uint32_t kernel_id, const struct bj_logtable *t)
{
	if (l->ntables == (int)(sizeof(l->tables) / sizeof(l->tables[0])))
		return;
	l->table_ids[l->ntables] = kernel_id;
	l->tables[l->ntables++] = *t;
}

void bj_event_locate(const struct bj_logtable *t, const struct bj_event *e, struct bj_event_where *w)
{
	memset(w, 0, sizeof(*w));
	w->frame = -1;
	for (int i = 0; i < e->npcs && i < BJ_EVENT_PCS; i++) {
		/* Return addresses point after their CALL: look up pc - 1. */
		uint64_t pc = e->pcs[i] - e->bias - (i ? 1 : 0);
		struct gosym_frame fr[16];
		int n = gosym_frames_at(t->bin, pc, fr, 16);

		for (int k = 0; k < n; k++) {
			int32_t m = fr[k].module, g;

			if (m < 0 || (uint32_t)m >= t->bin->nmodules)
				continue;
			g = t->tb->module_group[m];
			if (g < 0 || !((e->groups >> g) & 1))
				continue;
			w->module = t->bin->modules[m].path;
			w->func = fr[k].name;
			w->pc = pc + (i ? 1 : 0);
			w->frame = i;
			return;
		}
		/* No confined frame (unknown verdicts): report the innermost Go frame. */
		if (n > 0 && !w->func) {
			w->func = fr[0].name;
			w->pc = pc + (i ? 1 : 0);
			w->frame = i;
		}
	}
}

static uint32_t fnv(const char *a, uint32_t b)
{
	uint32_t h = 2166136261u ^ b;

	for (; a && *a; a++)
		h = (h ^ (unsigned char)*a) * 16777619u;
	return h ? h : 1;
}

/* Returns true if this (module, op) may print; suppressed counts the rest. */
static bool rate_ok(struct bj_logger *l, const char *module, uint32_t op, uint64_t now,
		    uint32_t *suppressed)
{
	uint32_t h = fnv(module, op), slot = h % BJ_RL_SLOTS;
	typeof(l->rl[0]) *r = &l->rl[slot];

	*suppressed = 0;
	if (r->hash != h || now - r->start > l->window_ns) {
		*suppressed = r->hash == h ? r->suppressed : 0;
		r->hash = h;
		r->start = now;
		r->count = 0;
		r->suppressed = 0;
	}
	if (r->count < l->burst) {
		r->count++;
		return true;
	}
	r->suppressed++;
	return false;
}

static void logfmt_str(FILE *f, const char *key, const char *v)
{
	bool quote = !v || !*v || strpbrk(v, " \"=\t\n");

	fprintf(f, " %s=", key);
	if (!quote) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; v && *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void logger_text(struct bj_logger *l, FILE *f, const struct bj_event *e,
			const struct bj_logtable *t, const struct bj_event_where *w, const char *cls,
			uint32_t suppressed);

int bj_logger_event(struct bj_logger *l, const struct bj_event *e)
{
	const struct bj_logtable *t = NULL;
	struct bj_event_where w = { .frame = -1 };
	const char *cls = bj_class_name(e->class);
	uint32_t suppressed;
	struct timespec ts;
	uint64_t now;

	for (int i = 0; i < l->ntables; i++)
		if (l->table_ids[i] == e->table)
			t = &l->tables[i];
	if (t && t->bin)
		bj_event_locate(t, e, &w);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	if (!rate_ok(l, w.module ? w.module : "", e->op == BJ_OP_SYSCALL ? 1000 + e->arg : e->op, now,
		     &suppressed))
		return 0;

	if (l->json) {
		struct json_object *o = json_object_new_object();
		char pc[32];

		json_object_object_add(o, "level", json_object_new_string(e->verdict == BJ_AUDIT ? "INFO" : "WARN"));
		json_object_object_add(o, "msg", json_object_new_string(bj_verdict_msg(e->verdict)));
		json_object_object_add(o, "op", json_object_new_string(bj_event_op(e)));
		json_object_object_add(o, "class", json_object_new_string(cls ? cls : "?"));
		json_object_object_add(o, "module", w.module ? json_object_new_string(w.module) : NULL);
		json_object_object_add(o, "reason", json_object_new_string(bj_reason_name(e->reason)));
		json_object_object_add(o, "pid", json_object_new_int(e->pid));
		json_object_object_add(o, "tid", json_object_new_int(e->tid));
		json_object_object_add(o, "comm", json_object_new_string_len(e->comm, strnlen(e->comm, sizeof(e->comm))));
		json_object_object_add(o, "exe", t && t->exe ? json_object_new_string(t->exe) : NULL);
		json_object_object_add(o, "func", w.func ? json_object_new_string(w.func) : NULL);
		snprintf(pc, sizeof(pc), "0x%llx", (unsigned long long)w.pc);
		json_object_object_add(o, "pc", w.func ? json_object_new_string(pc) : NULL);
		json_object_object_add(o, "truncated", json_object_new_boolean(e->truncated));
		if (suppressed)
			json_object_object_add(o, "suppressed", json_object_new_int(suppressed));
		fprintf(l->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		/* One write(2) per line, so it never interleaves with the
		 * program's own output on a shared stderr. */
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (f) {
			logger_text(l, f, e, t, &w, cls, suppressed);
			fclose(f);
			fwrite(buf, 1, len, l->out);
			free(buf);
		}
	}
	fflush(l->out);
	return 0;
}

static void logger_text(struct bj_logger *l, FILE *f, const struct bj_event *e,
			const struct bj_logtable *t, const struct bj_event_where *w, const char *cls,
			uint32_t suppressed)
{
	char comm[17] = { 0 };

	memcpy(comm, e->comm, 16);
	fprintf(f, "level=%s msg=%s op=%s class=%s", e->verdict == BJ_AUDIT ? "INFO" : "WARN",
		bj_verdict_msg(e->verdict), bj_event_op(e), cls ? cls : "?");
	logfmt_str(f, "module", w->module ? w->module : "-");
	fprintf(f, " pid=%u tid=%u", e->pid, e->tid);
	logfmt_str(f, "comm", comm);
	logfmt_str(f, "exe", t && t->exe ? t->exe : "-");
	logfmt_str(f, "func", w->func ? w->func : "-");
	if (w->func)
		fprintf(f, " pc=0x%llx", (unsigned long long)w->pc);
	if (e->reason != BJ_REASON_CONFINED)
		fprintf(f, " reason=%s", bj_reason_name(e->reason));
	if (suppressed)
		fprintf(f, " suppressed=%u", suppressed);
	fputc('\n', f);
}
