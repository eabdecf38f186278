// SPDX-License-Identifier: GPL-2.0
/*
 * bpfjail probe [--require FEATURE[,FEATURE...]]
 *
 * Report what this kernel offers bpfjail. Probing is done by loading real
 * programs (see user/kernel/probe.c): "enforce: verified" means an attached
 * BPF LSM program really denied an open() with EPERM just now.
 * Exit 0 whenever probing ran; with --require, 5 (EXIT_KERNEL) when a
 * required feature is missing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "bpfjail.h"
#include "kernel/probe.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && env.verbose < 2)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void probe_usage(FILE *f)
{
	fprintf(f,
		"Usage: bpfjail [-j] probe [--require FEATURE[,FEATURE...]]\n"
		"\n"
		"Report what this kernel offers bpfjail, by loading and attaching tiny\n"
		"programs. 'enforce: verified' means a BPF LSM program really denied an\n"
		"open() with EPERM. Exit 0 whenever probing ran.\n"
		"\n"
		"  -r, --require F  exit 5 unless every listed feature works here:\n"
		"                   enforce (BPF LSM), kill (tp_btf + bpf_send_signal),\n"
		"                   audit (tp_btf), btf\n"
		"  -h, --help       this text\n");
}

enum { REQ_ENFORCE = 1, REQ_KILL = 2, REQ_AUDIT = 4, REQ_BTF = 8 };

static int parse_require(const char *arg, unsigned *req)
{
	char buf[128], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "enforce"))
			*req |= REQ_ENFORCE;
		else if (!strcmp(tok, "kill"))
			*req |= REQ_KILL;
		else if (!strcmp(tok, "audit"))
			*req |= REQ_AUDIT;
		else if (!strcmp(tok, "btf"))
			*req |= REQ_BTF;
		else
			return -1;
	}
	return 0;
}

static const char *errstr(int err, char *buf, size_t size)
{
	const char *name = strerrorname_np(err);

	snprintf(buf, size, "%s: %s", name ? name : "?", strerror(err));
	return buf;
}

static void add_err(struct json_object *o, int err)
{
	const char *name = strerrorname_np(err);

	json_object_object_add(o, "errno", json_object_new_int(err));
	json_object_object_add(o, "error", json_object_new_string(name ? name : strerror(err)));
}

static struct json_object *to_json(const struct probe_result *r)
{
	struct json_object *o = json_object_new_object(), *x, *modes;

	json_object_object_add(o, "kernel", json_object_new_string(r->kernel));
	json_object_object_add(o, "btf", json_object_new_boolean(r->btf));
	json_object_object_add(o, "lockdown",
			       r->lockdown[0] ? json_object_new_string(r->lockdown) : NULL);

	x = json_object_new_object();
	json_object_object_add(x, "list",
			       r->lsm_list_known ? json_object_new_string(r->lsm_list) : NULL);
	json_object_object_add(x, "listed", json_object_new_boolean(r->lsm_listed));
	json_object_object_add(x, "loads", json_object_new_boolean(r->lsm_loads));
	if (!r->lsm_loads && r->lsm_load_err)
		add_err(x, r->lsm_load_err);
	json_object_object_add(x, "attaches", json_object_new_boolean(r->lsm_attaches));
	if (r->lsm_loads && !r->lsm_attaches && r->lsm_attach_err)
		add_err(x, r->lsm_attach_err);
	json_object_object_add(o, "lsm", x);

	x = json_object_new_object();
	json_object_object_add(x, "verified", json_object_new_boolean(r->enforce_verified));
	json_object_object_add(x, "detail", json_object_new_string(r->enforce_detail));
	json_object_object_add(o, "enforce", x);

	x = json_object_new_object();
	json_object_object_add(x, "loads", json_object_new_boolean(r->tp_loads));
	json_object_object_add(x, "attaches", json_object_new_boolean(r->tp_attaches));
	json_object_object_add(x, "fires", json_object_new_boolean(r->tp_fires));
	if (!r->tp_loads && r->tp_load_err)
		add_err(x, r->tp_load_err);
	else if (r->tp_loads && !r->tp_attaches && r->tp_attach_err)
		add_err(x, r->tp_attach_err);
	json_object_object_add(o, "tp_btf_sys_enter", x);

	x = json_object_new_object();
	json_object_object_add(x, "loads", json_object_new_boolean(r->sig_loads));
	if (!r->sig_loads && r->sig_load_err)
		add_err(x, r->sig_load_err);
	json_object_object_add(o, "bpf_send_signal", x);

	json_object_object_add(o, "perf_event_max_stack",
			       r->perf_max_stack >= 0 ? json_object_new_int64(r->perf_max_stack)
						      : NULL);

	modes = json_object_new_array();
	if (probe_can_enforce(r))
		json_object_array_add(modes, json_object_new_string("enforce"));
	if (probe_can_kill(r))
		json_object_array_add(modes, json_object_new_string("kill"));
	if (probe_can_audit(r))
		json_object_array_add(modes, json_object_new_string("audit"));
	json_object_object_add(o, "modes", modes);
	return o;
}

#define ROW(label, ...)                              \
	do {                                         \
		printf("%-22s ", label);             \
		printf(__VA_ARGS__);                 \
		putchar('\n');                       \
	} while (0)

static void print_human(const struct probe_result *r)
{
	char e[96];

	ROW("kernel", "%s", r->kernel);
	ROW("btf", "%s", r->btf ? "yes (/sys/kernel/btf/vmlinux)" : "no");
	ROW("lockdown", "%s", r->lockdown[0] ? r->lockdown : "unknown");
	if (r->lsm_list_known)
		ROW("lsm: listed", "%s (%s)", r->lsm_listed ? "yes" : "no", r->lsm_list);
	else
		ROW("lsm: listed", "unknown (/sys/kernel/security/lsm: %s)",
		    errstr(r->lsm_list_err, e, sizeof(e)));
	if (r->lsm_loads)
		ROW("lsm: loads", "yes");
	else
		ROW("lsm: loads", "no (%s)", r->lsm_load_err ? errstr(r->lsm_load_err, e, sizeof(e))
							  : "not tried");
	if (r->lsm_attaches)
		ROW("lsm: attaches", "yes");
	else if (r->lsm_loads)
		ROW("lsm: attaches", "no (%s)", errstr(r->lsm_attach_err, e, sizeof(e)));
	else
		ROW("lsm: attaches", "no (not loaded)");
	ROW("enforce", "%s: %s", r->enforce_verified ? "verified" : "not verified",
	    r->enforce_detail);

	if (!r->tp_loads)
		ROW("tp_btf sys_enter", "no (%s)", errstr(r->tp_load_err, e, sizeof(e)));
	else if (!r->tp_attaches)
		ROW("tp_btf sys_enter", "loads, does not attach (%s)",
		    errstr(r->tp_attach_err, e, sizeof(e)));
	else
		ROW("tp_btf sys_enter", "yes (%s)", r->tp_fires ? "attached, fired" : "attached, did not fire");
	if (r->sig_loads)
		ROW("bpf_send_signal", "yes");
	else
		ROW("bpf_send_signal", "no (%s)", errstr(r->sig_load_err, e, sizeof(e)));
	if (r->perf_max_stack >= 0)
		ROW("perf_event_max_stack", "%ld", r->perf_max_stack);
	else
		ROW("perf_event_max_stack", "unknown");
	ROW("modes", "%s%s%s%s", probe_can_enforce(r) ? "enforce " : "",
	    probe_can_kill(r) ? "kill " : "", probe_can_audit(r) ? "audit" : "",
	    probe_can_audit(r) || probe_can_kill(r) || probe_can_enforce(r) ? "" : "none");
}

/* First required feature that is missing, with why; NULL if all are there. */
static const char *missing(const struct probe_result *r, unsigned req, char *why, size_t size)
{
	if ((req & REQ_BTF) && !r->btf) {
		snprintf(why, size, "no kernel BTF at /sys/kernel/btf/vmlinux");
		return "btf";
	}
	if ((req & REQ_ENFORCE) && !probe_can_enforce(r)) {
		snprintf(why, size, "%s", r->enforce_detail);
		return "enforce";
	}
	if ((req & REQ_KILL) && !probe_can_kill(r)) {
		snprintf(why, size, "%s", !r->tp_attaches ? "tp_btf/sys_enter unusable"
							  : "bpf_send_signal not allowed");
		return "kill";
	}
	if ((req & REQ_AUDIT) && !probe_can_audit(r)) {
		snprintf(why, size, "tp_btf/sys_enter unusable");
		return "audit";
	}
	return NULL;
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "require", required_argument, 0, 'r' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	struct probe_result r;
	unsigned req = 0;
	const char *what;
	char why[300];
	int c;

	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_require(optarg, &req))
				return fail(EXIT_USAGE,
					    "probe: unknown feature in '--require %s' (enforce, kill, audit, btf)",
					    optarg);
			break;
		case 'h':
			probe_usage(stdout);
			return EXIT_OK;
		default:
			probe_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "probe: unexpected argument '%s'", argv[optind]);

	libbpf_set_print(env.verbose ? libbpf_print : NULL);
	probe_kernel(&r);
	what = missing(&r, req, why, sizeof(why));

	if (env.json) {
		struct json_object *o = to_json(&r);

		if (what) {
			char msg[400];

			snprintf(msg, sizeof(msg), "required feature '%s' is not available: %s",
				 what, why);
			json_object_object_add(o, "error", json_object_new_string(msg));
		}
		json_print(o);
		json_object_put(o);
	} else {
		print_human(&r);
		if (what) {
			fflush(stdout);
			fprintf(stderr, "bpfjail: required feature '%s' is not available: %s\n",
				what, why);
		}
	}
	return what ? EXIT_KERNEL : EXIT_OK;
}
