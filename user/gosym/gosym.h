/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gosym: read a Go binary's symbol tables (.gopclntab, .go.buildinfo, the
 * inline tree) and turn them into a table of address ranges per module.
 *
 * Pure C over libelf: no BPF, no policy. Every read is bounds-checked against
 * the mapped file, because the input is untrusted (fuzzed in tests/fuzz).
 *
 * Addresses are link-time virtual addresses as found in the ELF file. For PIE
 * binaries the runtime adds a load bias; gosym only reports that the binary
 * is PIE (bin->pie) and leaves the bias to the caller.
 */
#ifndef BPFJAIL_GOSYM_H
#define BPFJAIL_GOSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes (negative) returned by gosym_* functions. */
enum gosym_errcode {
	GOSYM_OK = 0,
	GOSYM_E_IO = -1,		/* missing, unreadable, directory, empty file */
	GOSYM_E_NOT_ELF = -2,		/* not an ELF file, or not ELF64 little-endian x86_64/aarch64 */
	GOSYM_E_NOT_GO = -3,		/* valid ELF, but no Go pclntab found */
	GOSYM_E_CORRUPT = -4,		/* Go tables present but inconsistent / truncated */
	GOSYM_E_UNSUPPORTED = -5,	/* unknown pclntab magic or layout */
	GOSYM_E_NOMEM = -6,
};

struct gosym_err {
	int code;		/* enum gosym_errcode */
	char msg[256];		/* one line, no file name, no trailing newline */
};

/* pclntab formats, named after the first Go release that wrote them. */
enum gosym_pcln_format {
	GOSYM_PCLN_UNKNOWN = 0,
	GOSYM_PCLN_GO12 = 12,	/* magic 0xfffffffb: Go 1.2 - 1.15 */
	GOSYM_PCLN_GO116 = 116,	/* magic 0xfffffffa: Go 1.16 - 1.17 */
	GOSYM_PCLN_GO118 = 118,	/* magic 0xfffffff0: Go 1.18 - 1.19 */
	GOSYM_PCLN_GO120 = 120,	/* magic 0xfffffff1: Go 1.20+      */
};

/* What kind of code a function is; decides whether it can belong to a module. */
enum gosym_kind {
	GOSYM_KIND_MODULE = 0,	/* package path inside a known module */
	GOSYM_KIND_UNKNOWN,	/* package path with a dot, but no known module covers it */
	GOSYM_KIND_STDLIB,	/* first path element has no dot (fmt, net/http, internal/...) */
	GOSYM_KIND_RUNTIME,	/* runtime and runtime/... */
	GOSYM_KIND_SYNTHETIC,	/* go:, type:, go., type. (pre-1.20) and other no-package symbols */
};

/* Function flags. */
#define GOSYM_FN_FRAMELESS_SYSCALL (1u << 0)	/* SP delta 0 at a SYSCALL insn: caller's RA is at [SP] */
#define GOSYM_FN_RA_IN_R12 (1u << 1)		/* RA popped into R12 before SYSCALL (rawVforkSyscall) */
#define GOSYM_FN_HAS_INLINE (1u << 2)		/* has an inline tree (FUNCDATA_InlTree) */

#define GOSYM_MOD_NONE (-1)	/* function belongs to no module */

struct gosym_module {
	char *path;		/* module path, e.g. "golang.org/x/sys" */
	char *version;		/* "v0.1.0", "(devel)", or NULL when unknown */
	char *sum;		/* go.sum hash, or NULL */
	char *replace_path;	/* "=> path", or NULL */
	char *replace_version;
	bool main;		/* the main module ("path" line of buildinfo) */
	bool from_buildinfo;	/* false: supplied by the caller (gosym_opts.extra_modules) */
	uint32_t nfuncs;	/* functions owned (not counting inlined copies) */
	uint32_t nranges;	/* ranges of the range table whose set contains it */
};

struct gosym_func {
	uint64_t entry;		/* first PC */
	uint64_t end;		/* one past the last PC (next function's entry or text end) */
	const char *name;	/* as printed by the runtime: "example.com/yaml%2ev3.(*T).M[...]" */
	const char *pkg;	/* unescaped package path: "example.com/yaml.v3"; "" for synthetic */
	int32_t module;		/* index into gosym_binary.modules, or GOSYM_MOD_NONE */
	uint32_t kind;		/* enum gosym_kind */
	uint32_t flags;		/* GOSYM_FN_* */
	uint32_t funcoff;	/* internal: offset of the _func record in the pclntab */
};

/* One frame of the inline chain at a PC: innermost first. */
struct gosym_frame {
	const char *name;	/* function name (escaped, as the runtime prints it) */
	const char *pkg;	/* unescaped package path */
	int32_t module;		/* GOSYM_MOD_NONE if none */
	uint32_t kind;
	/* file/line are optional extras; 0 / NULL when unknown */
	const char *file;
	int32_t line;
};

/*
 * Module sets: a bitmap of nmodules bits, set_words 64-bit words each. Set 0
 * is always the empty set. sets[i * set_words + w] holds bits w*64..w*64+63.
 */
struct gosym_range {
	uint64_t start;		/* first PC, inclusive */
	uint64_t end;		/* exclusive */
	uint32_t set;		/* index of the module set; never 0 (empty ranges are omitted) */
};

struct gosym_binary {
	char *path;			/* file name as given */
	bool pie;			/* ET_DYN: addresses need the load bias */
	bool stripped;			/* no .symtab */
	bool external_link;		/* .text begins with non-Go code */
	char *go_version;		/* "go1.19.8", or NULL when no buildinfo */
	char *build_id;			/* Go build ID (from .note.go.buildid), or NULL */
	enum gosym_pcln_format format;
	uint32_t magic;			/* raw pclntab magic */
	const char *pcln_section;	/* ".gopclntab", ".data.rel.ro.gopclntab", or "(scan)" */
	uint64_t pcln_addr;		/* vaddr of the pclntab */
	uint64_t text_start;		/* Go text start (runtime.text), not .text's address */
	uint64_t text_end;		/* runtime.etext */
	uint64_t gofunc;		/* go:func.* base for FUNCDATA offsets (1.18+), 0 if unknown */

	struct gosym_module *modules;	/* main module first when known, then deps in buildinfo order */
	uint32_t nmodules;

	struct gosym_func *funcs;	/* sorted by entry, strictly increasing */
	uint32_t nfuncs;

	struct gosym_range *ranges;	/* sorted, non-overlapping, adjacent equal sets merged */
	uint32_t nranges;
	uint64_t *sets;
	uint32_t nsets;
	uint32_t set_words;

	void *priv;			/* internal state (mapped file, libelf handle, arenas) */
};

struct gosym_opts {
	/* Extra module paths (e.g. from a policy) for binaries without buildinfo
	 * or to name modules buildinfo lacks. Added after buildinfo's modules. */
	const char *const *extra_modules;
	size_t nextra_modules;
	/* Skip the inline tree and range table (inspect without --ranges can still
	 * want counts, so the default is to build them). */
	bool no_ranges;
};

/* Load a binary from a file. On failure returns a negative gosym_errcode and
 * fills err (if non-NULL); *out is NULL. */
int gosym_open(const char *path, const struct gosym_opts *opts,
	       struct gosym_binary **out, struct gosym_err *err);

/* Same from memory (the fuzzer's entry point). The buffer must outlive *out. */
int gosym_open_mem(const void *buf, size_t len, const struct gosym_opts *opts,
		   struct gosym_binary **out, struct gosym_err *err);

void gosym_close(struct gosym_binary *bin);

/* Function containing pc, or NULL. Binary search. */
const struct gosym_func *gosym_find_func(const struct gosym_binary *bin, uint64_t pc);

/*
 * Inline chain at pc: frames[0] is the innermost (possibly inlined) function,
 * the last one is the physical function. Returns the number of frames written
 * (at most max), 0 if pc is in no function, or a negative gosym_errcode.
 */
int gosym_frames_at(const struct gosym_binary *bin, uint64_t pc,
		    struct gosym_frame *frames, int max);

/* Range containing pc, or NULL. */
const struct gosym_range *gosym_find_range(const struct gosym_binary *bin, uint64_t pc);

static inline bool gosym_set_has(const struct gosym_binary *bin, uint32_t set, uint32_t mod)
{
	return (bin->sets[(size_t)set * bin->set_words + mod / 64] >> (mod % 64)) & 1;
}

/* Module index by exact path, or GOSYM_MOD_NONE. */
int32_t gosym_module_index(const struct gosym_binary *bin, const char *path);

const char *gosym_kind_str(uint32_t kind);
const char *gosym_format_str(enum gosym_pcln_format f);	/* "1.2", "1.16", "1.18", "1.20" */
const char *gosym_strerror(int code);			/* short class name of an error code */

/*
 * Helpers on Go symbol names, exported for tests and the policy code.
 * gosym_pkg_of: package path of a function name, escaped form, written to buf
 * (NUL-terminated); returns its length or -1 if buf is too small. Handles
 * methods "(*T).M", closures "F.func1", generics "F[...]", "vendor/...".
 * gosym_unescape: undo the runtime's %xx escaping of the last path element.
 */
int gosym_pkg_of(const char *name, char *buf, size_t bufsz);
int gosym_unescape(const char *in, char *buf, size_t bufsz);
uint32_t gosym_classify_pkg(const char *pkg, const char *name);

#endif /* BPFJAIL_GOSYM_H */
