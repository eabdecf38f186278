/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gosym internals shared by its files (not for users of gosym.h).
 *
 *   gosym.c      gosym_open*: orchestration, error formatting, lookups
 *   elf.c        libelf: sections, vaddr -> file bytes, symbols, build id
 *   pclntab.c    pclntab header (all formats), func table, names, pcvalue
 *   moduledata.c find runtime.firstmoduledata: text start, etext, gofunc
 *   inline.c     FUNCDATA_InlTree / PCDATA_InlTreeIndex walks, frameless stubs
 *   buildinfo.c  .go.buildinfo (pointer and inline layouts), modinfo parsing
 *   symname.c    package of a function name, unescaping, classification
 *   modules.c    function -> module attribution
 *   ranges.c     the range table (module sets per PC range, inline-aware)
 */
#ifndef BPFJAIL_GOSYM_INTERNAL_H
#define BPFJAIL_GOSYM_INTERNAL_H

#include <gelf.h>
#include <libelf.h>

#include "gosym.h"

/* A bounds-checked view of bytes: all table reads go through these. */
struct gs_buf {
	const uint8_t *p;
	size_t len;
};

/* One ELF section as loaded (data may be NULL for SHT_NOBITS). */
struct gs_section {
	const char *name;
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint64_t flags;
	const uint8_t *data;	/* file bytes, NULL for NOBITS or out of file */
	size_t data_len;	/* bytes actually available in the file */
};

struct gs_pcln {
	struct gs_buf tab;		/* the whole pclntab */
	uint32_t ptrsize;
	uint32_t quantum;
	uint32_t nfunc;
	uint32_t nfiles;
	uint64_t text_start_hdr;	/* textStart from the header (0 in Go 1.26+) */
	struct gs_buf funcnametab;	/* 1.16+: names; 1.2: the whole table */
	struct gs_buf cutab;
	struct gs_buf filetab;
	struct gs_buf pctab;
	struct gs_buf functab;		/* (entry, funcoff) pairs + final entry */
	struct gs_buf funcdata;		/* base of _func records (1.18+: pclntab+pcln offset) */
	uint32_t functab_fieldsize;	/* 4 (1.18+ entryoff) or ptrsize */
	bool nfuncdata_i32;		/* Go <= 1.9: _func.nfuncdata is an int32 */
	/* Inline tree encoding, chosen by gs_mark_functions from the format and
	 * go_version: PCDATA_InlTreeIndex, FUNCDATA_InlTree, sizeof(inlinedCall)
	 * (16: Go 1.9-1.11 {parent,file,line,func}; 20: 1.12-1.19; 16: 1.20+). */
	uint8_t inl_pcdata;
	uint8_t inl_funcdata;
	uint8_t inl_size;
};

/* Everything gosym keeps behind bin->priv. */
struct gs_priv {
	int fd;				/* -1 when opened from memory */
	void *map;			/* mmap of the file, or NULL */
	size_t map_len;
	const uint8_t *file;		/* file bytes (map or caller's buffer) */
	size_t file_len;
	Elf *elf;
	uint16_t machine;		/* EM_X86_64 / EM_AARCH64 */
	struct gs_section *secs;
	size_t nsecs;
	struct gs_pcln pcln;
	/* String arena: all strings in gosym_binary point into chunks freed here. */
	struct gs_chunk *arena;
	/* gosym.c: package paths of inlined frames (gosym_frames_at), interned
	 * so returned pointers live as long as the binary; has its own lock. */
	struct gs_intern *intern;
	/* modules.c: hash of module paths for gs_module_of_pkg (arena; NULL
	 * until gs_modules_attribute ran, then a linear scan is used). */
	struct gs_modkey *modkeys;
	uint32_t nmodkeys;
};

/* ---- gosym.c ------------------------------------------------------------- */
/* printf into err (if non-NULL) and return code. */
int gs_err(struct gosym_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Arena allocation (zeroed); NULL on OOM. Freed with the binary. */
void *gs_alloc(struct gosym_binary *bin, size_t n);
char *gs_strndup(struct gosym_binary *bin, const char *s, size_t n);

/* ---- elf.c --------------------------------------------------------------- */
/* Parse the ELF headers and section table of priv->file. Sets bin->pie,
 * bin->stripped, bin->build_id. */
int gs_elf_load(struct gosym_binary *bin, struct gosym_err *err);
const struct gs_section *gs_elf_section(const struct gosym_binary *bin, const char *name);
/* File bytes at a virtual address: a view of up to len bytes (fewer if the
 * section ends or is not in the file). false if addr is in no PROGBITS section. */
bool gs_elf_vaddr(const struct gosym_binary *bin, uint64_t addr, size_t len, struct gs_buf *out);
/* Value of a symbol in .symtab by exact name; false if absent or stripped. */
bool gs_elf_symbol(const struct gosym_binary *bin, const char *name, uint64_t *value);

/* ---- pclntab.c ----------------------------------------------------------- */
/* Find and parse the pclntab header; fill bin->format/magic/pcln_*, priv->pcln,
 * and bin->funcs (entry, end, name, funcoff; flags 0) sorted by entry.
 * Needs the text start for 1.18+ formats: calls gs_moduledata_find first. */
int gs_pcln_load(struct gosym_binary *bin, struct gosym_err *err);
/* Decode the pcvalue table at pctab offset `off` for function f: calls cb for
 * each [start,end) PC run with its value; stops early if cb returns non-zero
 * and returns that value. Returns GOSYM_E_CORRUPT on a malformed table. */
typedef int (*gs_pcvalue_cb)(void *ctx, uint64_t start, uint64_t end, int32_t val);
int gs_pcvalue_walk(const struct gosym_binary *bin, const struct gosym_func *f,
		    uint32_t off, gs_pcvalue_cb cb, void *ctx);
/* Fields of f's _func record. idx = PCDATA / FUNCDATA index. false if absent. */
bool gs_func_pcsp(const struct gosym_binary *bin, const struct gosym_func *f, uint32_t *off);
bool gs_func_pcdata(const struct gosym_binary *bin, const struct gosym_func *f, uint32_t idx, uint32_t *off);
/* Address (1.2-1.17: absolute pointer; 1.18+: gofunc + offset) of FUNCDATA idx. */
bool gs_func_funcdata(const struct gosym_binary *bin, const struct gosym_func *f, uint32_t idx, uint64_t *addr);
/* A function name by its nameoff (funcnametab offset); NULL if out of bounds. */
const char *gs_pcln_name(const struct gosym_binary *bin, int64_t nameoff);

/* ---- moduledata.c -------------------------------------------------------- */
/* Locate runtime.firstmoduledata (symbol, or a scan for a word equal to the
 * pclntab address validated by its slices); fill text_start, text_end, gofunc.
 * Returns GOSYM_OK, or GOSYM_E_NOT_GO/CORRUPT when nothing consistent is found
 * (callers may fall back on the header / .text for old formats). */
int gs_moduledata_find(struct gosym_binary *bin, struct gosym_err *err);

/* ---- inline.c ------------------------------------------------------------ */
/* Mark GOSYM_FN_FRAMELESS_SYSCALL / GOSYM_FN_RA_IN_R12 / GOSYM_FN_HAS_INLINE. */
int gs_mark_functions(struct gosym_binary *bin, struct gosym_err *err);
/*
 * For each PC run of f whose code was inlined from other functions, call cb
 * with the inline chain (innermost first, names as in the binary; n >= 1; the
 * physical function f itself is not included). Runs without inlining are not
 * reported. Returns 0, cb's non-zero value, or a negative error.
 */
typedef int (*gs_inline_cb)(void *ctx, uint64_t start, uint64_t end,
			    const char *const *names, int n);
int gs_inline_walk(const struct gosym_binary *bin, const struct gosym_func *f,
		   gs_inline_cb cb, void *ctx);
/* The inline chain at one pc (names only, innermost first, physical last). */
int gs_inline_at(const struct gosym_binary *bin, const struct gosym_func *f, uint64_t pc,
		 const char **names, int max);

/* ---- buildinfo.c --------------------------------------------------------- */
/* Read .go.buildinfo (or scan for the "\xff Go buildinf:" magic): go_version,
 * modules (main first). Absent buildinfo is not an error (returns GOSYM_OK with
 * go_version NULL); a present but malformed one is GOSYM_E_CORRUPT. */
int gs_buildinfo_load(struct gosym_binary *bin, struct gosym_err *err);

/* ---- symname.c ----------------------------------------------------------- */
/* Length of the escaped package part of a function name, without the
 * synthetic-name rule (0: none); *synthetic (if non-NULL) tells whether
 * gosym_pkg_of would call the name synthetic. */
size_t gs_raw_pkg_len(const char *name, bool *synthetic);

/* ---- modules.c ----------------------------------------------------------- */
/* Add opts->extra_modules, then fill pkg, kind, module for every function and
 * modules[].nfuncs. Longest module path on a '/' boundary wins. */
int gs_modules_attribute(struct gosym_binary *bin, const struct gosym_opts *opts,
			 struct gosym_err *err);
/* Module of an (unescaped) package path, or GOSYM_MOD_NONE. Also maps
 * "main" to the main module and "vendor/P" to P's module, and never gives
 * runtime/... or internal/runtime/... to a module (see modules.c). */
int32_t gs_module_of_pkg(const struct gosym_binary *bin, const char *pkg);
/* Module of a function name (escaped, as in the pclntab): the same rules as
 * gs_modules_attribute, without caching. */
int32_t gs_module_of_name(const struct gosym_binary *bin, const char *name);

/* ---- ranges.c ------------------------------------------------------------ */
/* Build bin->ranges/sets from funcs (+ inline walks); fill modules[].nranges. */
int gs_ranges_build(struct gosym_binary *bin, struct gosym_err *err);

#endif
