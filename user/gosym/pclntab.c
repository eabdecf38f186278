// SPDX-License-Identifier: GPL-2.0
/*
 * The Go pclntab: header (all four formats), the function table, names and
 * pcvalue tables. Layouts (runtime/symtab.go, runtime/runtime2.go):
 *
 *   magic 0xfffffffb (Go 1.2-1.15): magic, pad, pad, quantum, ptrsize,
 *     nfunc uintptr, functab [nfunc]{entry, funcoff uintptr}, end uintptr,
 *     filetab offset uint32. All offsets (funcoff, nameoff, pcsp, ...) are
 *     from the start of the table.
 *   0xfffffffa (1.16-1.17): magic..ptrsize, nfunc, nfiles, funcnameOffset,
 *     cuOffset, filetabOffset, pctabOffset, pclnOffset (uintptr each); the
 *     functab {entry, funcoff uintptr} starts the pclnOffset part, funcoff is
 *     relative to it, nameoff to funcnametab, pcsp/pcdata to pctab.
 *   0xfffffff0 (1.18-1.19) / 0xfffffff1 (1.20+): as 1.16 plus textStart
 *     after nfiles; functab is {entryoff, funcoff uint32}, entries relative
 *     to the text start (moduledata.text; the header's textStart is 0 from
 *     Go 1.26).
 *
 * _func records (P = ptrsize):
 *   1.2:  entry P, nameoff, args, deferreturn/frame, pcsp, pcfile, pcln,
 *         npcdata, funcID u8, _ [2]u8, nfuncdata u8 (<= 1.9: nfuncdata int32)
 *   1.16: entry P, nameoff, args, deferreturn, pcsp, pcfile, pcln, npcdata,
 *         cuOffset, funcID, _ [2], nfuncdata
 *   1.18: entryoff, nameoff, args, deferreturn, pcsp, pcfile, pcln, npcdata,
 *         cuOffset, funcID, flag, _, nfuncdata
 *   1.20: as 1.18 with startLine int32 after cuOffset
 * then pcdata [npcdata]uint32, then funcdata: up to 1.17 [nfuncdata]uintptr
 * aligned to P in memory, from 1.18 [nfuncdata]uint32 offsets from gofunc.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MAGIC_12	0xfffffffbu
#define MAGIC_116	0xfffffffau
#define MAGIC_118	0xfffffff0u
#define MAGIC_120	0xfffffff1u

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t rdptr(const uint8_t *p, uint32_t ptrsize)
{
	return ptrsize == 8 ? rd64(p) : rd32(p);
}

/* Field offsets of a _func record. */
struct fn_layout {
	uint32_t nameoff;
	uint32_t pcsp;
	uint32_t npcdata;
	uint32_t nfuncdata;
	uint32_t hdr;		/* size of the fixed part: pcdata[] follows */
};

static void fn_layout(const struct gosym_binary *bin, struct fn_layout *l)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;
	uint32_t P = pc->ptrsize;

	switch (bin->format) {
	case GOSYM_PCLN_GO12:
		*l = (struct fn_layout){ P, P + 12, P + 24, P + 31, P + 32 };
		if (pc->nfuncdata_i32)
			l->nfuncdata = P + 28;
		break;
	case GOSYM_PCLN_GO116:
		*l = (struct fn_layout){ P, P + 12, P + 24, P + 35, P + 36 };
		break;
	case GOSYM_PCLN_GO118:
		*l = (struct fn_layout){ 4, 16, 28, 39, 40 };
		break;
	default:
		*l = (struct fn_layout){ 4, 16, 28, 43, 44 };
		break;
	}
}

static struct gs_buf sub(struct gs_buf b, uint64_t from, uint64_t to)
{
	struct gs_buf r = { NULL, 0 };

	if (from <= to && to <= b.len) {
		r.p = b.p + from;
		r.len = (size_t)(to - from);
	}
	return r;
}

/*
 * Parse the header of a candidate table. Only checks that make the later
 * reads safe and the layout self-consistent; used for the scan too, so a
 * failure here says "not a pclntab" (quiet) unless err is given.
 */
static int parse_header(struct gosym_binary *bin, struct gs_buf tab, struct gosym_err *err)
{
	struct gs_pcln *pc = &((struct gs_priv *)bin->priv)->pcln;
	uint32_t magic, P, nhdr;
	uint64_t nfunc, off[5], ftsize;
	int fmt;

	if (tab.len < 16)
		return gs_err(err, GOSYM_E_CORRUPT, "pclntab: truncated header");
	magic = rd32(tab.p);
	switch (magic) {
	case MAGIC_12:	fmt = GOSYM_PCLN_GO12; break;
	case MAGIC_116:	fmt = GOSYM_PCLN_GO116; break;
	case MAGIC_118:	fmt = GOSYM_PCLN_GO118; break;
	case MAGIC_120:	fmt = GOSYM_PCLN_GO120; break;
	default:
		return gs_err(err, GOSYM_E_UNSUPPORTED, "pclntab: unknown magic 0x%08x", magic);
	}
	if (tab.p[4] || tab.p[5])
		return gs_err(err, GOSYM_E_CORRUPT, "pclntab: bad header padding");
	if (tab.p[6] != 1 && tab.p[6] != 2 && tab.p[6] != 4)
		return gs_err(err, GOSYM_E_CORRUPT, "pclntab: bad instruction quantum %u", tab.p[6]);
	P = tab.p[7];
	if (P != 8)	/* only ELF64 gets here */
		return gs_err(err, GOSYM_E_UNSUPPORTED, "pclntab: pointer size %u not supported", P);

	memset(pc, 0, sizeof(*pc));
	pc->tab = tab;
	pc->ptrsize = P;
	pc->quantum = tab.p[6];
	bin->magic = magic;
	bin->format = fmt;

	nhdr = fmt == GOSYM_PCLN_GO12 ? 1 : fmt == GOSYM_PCLN_GO116 ? 7 : 8;
	if (tab.len < 8 + (uint64_t)nhdr * P)
		return gs_err(err, GOSYM_E_CORRUPT, "pclntab: truncated header");
	nfunc = rdptr(tab.p + 8, P);
	if (nfunc == 0)
		return gs_err(err, GOSYM_E_CORRUPT, "pclntab: no functions");
	if (nfunc > UINT32_MAX / 4 || nfunc > tab.len / 8)
		return gs_err(err, GOSYM_E_CORRUPT, "pclntab: function count %llu too large",
			      (unsigned long long)nfunc);
	pc->nfunc = (uint32_t)nfunc;

	if (fmt == GOSYM_PCLN_GO12) {
		/* functab + end PC + filetab offset (uint32) */
		ftsize = (2 * nfunc + 1) * P;
		if (ftsize + 4 > tab.len - (8 + P))
			return gs_err(err, GOSYM_E_CORRUPT,
				      "pclntab: function table (%llu entries) exceeds the table",
				      (unsigned long long)nfunc);
		pc->functab = sub(tab, 8 + P, 8 + P + ftsize);
		pc->funcnametab = tab;
		pc->pctab = tab;
		pc->funcdata = tab;
		pc->functab_fieldsize = P;
		off[0] = rd32(tab.p + 8 + P + ftsize);
		pc->filetab = sub(tab, off[0] < tab.len ? off[0] : tab.len, tab.len);
		return 0;
	}

	pc->nfiles = (uint32_t)rdptr(tab.p + 8 + P, P);
	if (fmt != GOSYM_PCLN_GO116)
		pc->text_start_hdr = rdptr(tab.p + 8 + 2 * P, P);
	/* funcname, cu, filetab, pctab, pcln offsets, in this order in the file */
	for (int i = 0; i < 5; i++) {
		off[i] = rdptr(tab.p + 8 + (uint64_t)(nhdr - 5 + i) * P, P);
		if (off[i] > tab.len || (i && off[i] < off[i - 1]))
			return gs_err(err, GOSYM_E_CORRUPT,
				      "pclntab: header offset %d (0x%llx) out of order or outside the table (size 0x%zx)",
				      i, (unsigned long long)off[i], tab.len);
	}
	pc->funcnametab = sub(tab, off[0], off[1]);
	pc->cutab = sub(tab, off[1], off[2]);
	pc->filetab = sub(tab, off[2], off[3]);
	pc->pctab = sub(tab, off[3], off[4]);
	pc->funcdata = sub(tab, off[4], tab.len);
	pc->functab_fieldsize = fmt == GOSYM_PCLN_GO116 ? P : 4;
	ftsize = (2 * nfunc + 1) * pc->functab_fieldsize;
	if (ftsize > pc->funcdata.len)
		return gs_err(err, GOSYM_E_CORRUPT,
			      "pclntab: function table (%llu entries) exceeds the table",
			      (unsigned long long)nfunc);
	pc->functab = sub(pc->funcdata, 0, ftsize);
	return 0;
}

/* Scan allocated sections for a header that parses. */
static bool scan_pclntab(struct gosym_binary *bin, struct gs_buf *tab, uint64_t *addr)
{
	const struct gs_priv *priv = bin->priv;

	for (size_t i = 0; i < priv->nsecs; i++) {
		const struct gs_section *s = &priv->secs[i];

		if (!(s->flags & SHF_ALLOC) || !s->data || s->data_len < 64)
			continue;
		/* The linker aligns the table to at least 8 in memory. */
		for (size_t off = (8 - (s->addr & 7)) & 7; off + 64 <= s->data_len; off += 8) {
			uint32_t m = rd32(s->data + off);
			struct gs_buf t;

			if ((m != MAGIC_12 && m != MAGIC_116 && m != MAGIC_118 && m != MAGIC_120) ||
			    s->data[off + 4] || s->data[off + 5] || s->data[off + 7] != 8)
				continue;
			t.p = s->data + off;
			t.len = s->data_len - off;
			if (parse_header(bin, t, NULL))
				continue;
			*tab = t;
			*addr = s->addr + off;
			return true;
		}
	}
	return false;
}

static int find_pclntab(struct gosym_binary *bin, struct gosym_err *err)
{
	static const char *const names[] = { ".gopclntab", ".data.rel.ro.gopclntab" };
	const struct gs_section *s;
	struct gs_buf tab;
	uint64_t addr;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		s = gs_elf_section(bin, names[i]);
		if (!s)
			continue;
		if (!s->data || s->data_len < s->size)
			return gs_err(err, GOSYM_E_CORRUPT, "pclntab: section %s is truncated",
				      names[i]);
		bin->pcln_section = names[i];
		bin->pcln_addr = s->addr;
		tab.p = s->data;
		tab.len = s->data_len;
		return parse_header(bin, tab, err);
	}
	/* External linking merges the table into .data.rel.ro (PIE) or .rodata;
	 * the symbol says where when .symtab is there. */
	if (gs_elf_symbol(bin, "runtime.pclntab", &addr) &&
	    gs_elf_vaddr(bin, addr, SIZE_MAX, &tab) && !parse_header(bin, tab, NULL)) {
		bin->pcln_section = "(scan)";
		bin->pcln_addr = addr;
		return 0;
	}
	if (scan_pclntab(bin, &tab, &addr)) {
		bin->pcln_section = "(scan)";
		bin->pcln_addr = addr;
		return parse_header(bin, tab, err);
	}
	return gs_err(err, GOSYM_E_NOT_GO, "no Go pclntab found");
}

/* Entry PC and _func offset of functab slot i (i == nfunc: end PC only). */
static void functab_at(const struct gosym_binary *bin, uint32_t i, uint64_t *entry, uint64_t *funcoff)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;
	uint32_t w = pc->functab_fieldsize;
	const uint8_t *p = pc->functab.p + (uint64_t)i * 2 * w;

	if (w == 4) {
		*entry = bin->text_start + rd32(p);
		*funcoff = i < pc->nfunc ? rd32(p + 4) : 0;
	} else {
		*entry = rdptr(p, w);
		*funcoff = i < pc->nfunc ? rdptr(p + w, w) : 0;
	}
}

/* Pick the text start: moduledata first, then what the format allows. */
static int text_start(struct gosym_binary *bin, bool have_md, struct gosym_err *err)
{
	struct gs_priv *priv = bin->priv;
	const struct gs_section *text;
	uint64_t v;

	if (have_md && bin->text_start)
		return 0;
	if (bin->format >= GOSYM_PCLN_GO118 && priv->pcln.text_start_hdr) {
		bin->text_start = priv->pcln.text_start_hdr;
		return 0;
	}
	if (gs_elf_symbol(bin, "runtime.text", &v) && v) {
		bin->text_start = v;
		return 0;
	}
	if (bin->format < GOSYM_PCLN_GO118) {
		/* Absolute entries: the first function starts the Go text. */
		bin->text_start = rdptr(priv->pcln.functab.p, priv->pcln.ptrsize);
		return 0;
	}
	/* Go 1.26+ without moduledata or symbols: .text is the best guess; it
	 * is right for internally linked binaries. */
	text = gs_elf_section(bin, ".text");
	if (!text || !text->addr)
		return gs_err(err, GOSYM_E_CORRUPT,
			      "pclntab: cannot determine the text start (no moduledata, textStart 0, no .text)");
	bin->text_start = text->addr;
	return 0;
}

/* Go <= 1.9 stored nfuncdata as an int32 where 1.10+ has funcID/_/nfuncdata
 * bytes: the top byte of that int32 is always 0, the 1.10 nfuncdata rarely. */
static void detect_nfuncdata_i32(struct gosym_binary *bin)
{
	struct gs_pcln *pc = &((struct gs_priv *)bin->priv)->pcln;
	uint32_t at = pc->ptrsize + 31;

	if (bin->format != GOSYM_PCLN_GO12)
		return;
	for (uint32_t i = 0; i < bin->nfuncs; i++)
		if (pc->funcdata.p[bin->funcs[i].funcoff + at])
			return;
	pc->nfuncdata_i32 = true;
}

/* The pcsp and pcdata offsets of record i point into pctab. */
static int check_tables(const struct gosym_binary *bin, const struct fn_layout *l, uint32_t i,
			const uint8_t *rec, uint64_t funcoff, struct gosym_err *err)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;
	uint32_t off = rd32(rec + l->pcsp), npcdata = rd32(rec + l->npcdata);

	if (off >= pc->pctab.len)
		return gs_err(err, GOSYM_E_CORRUPT,
			      "pclntab: function %u pcsp offset 0x%x outside pctab (size 0x%zx)",
			      i, off, pc->pctab.len);
	if (npcdata > (pc->funcdata.len - funcoff - l->hdr) / 4)
		return gs_err(err, GOSYM_E_CORRUPT,
			      "pclntab: function %u pcdata count %u runs past the table", i, npcdata);
	for (uint32_t j = 0; j < npcdata; j++) {
		off = rd32(rec + l->hdr + (size_t)j * 4);
		if (off >= pc->pctab.len)
			return gs_err(err, GOSYM_E_CORRUPT,
				      "pclntab: function %u pcdata %u offset 0x%x outside pctab (size 0x%zx)",
				      i, j, off, pc->pctab.len);
	}
	return 0;
}

static int read_funcs(struct gosym_binary *bin, struct gosym_err *err)
{
	struct gs_pcln *pc = &((struct gs_priv *)bin->priv)->pcln;
	struct fn_layout l;
	uint64_t entry, funcoff, next, nextoff;
	uint32_t n = pc->nfunc;

	fn_layout(bin, &l);
	bin->funcs = gs_alloc(bin, (size_t)n * sizeof(*bin->funcs));
	if (!bin->funcs)
		return gs_err(err, GOSYM_E_NOMEM, "out of memory (%u functions)", n);

	functab_at(bin, 0, &entry, &funcoff);
	for (uint32_t i = 0; i < n; i++) {
		struct gosym_func *f = &bin->funcs[i];
		const uint8_t *rec, *name, *nul;
		uint64_t recentry;
		int32_t nameoff;
		int ret;

		functab_at(bin, i + 1, &next, &nextoff);
		if (next <= entry)
			return gs_err(err, GOSYM_E_CORRUPT,
				      "pclntab: function %u entry 0x%llx not below the next (0x%llx)",
				      i, (unsigned long long)entry, (unsigned long long)next);
		if (funcoff > pc->funcdata.len || pc->funcdata.len - funcoff < l.hdr)
			return gs_err(err, GOSYM_E_CORRUPT,
				      "pclntab: function %u record offset 0x%llx outside the table (size 0x%zx)",
				      i, (unsigned long long)funcoff, pc->funcdata.len);
		rec = pc->funcdata.p + funcoff;
		recentry = bin->format >= GOSYM_PCLN_GO118 ? bin->text_start + rd32(rec)
							   : rdptr(rec, pc->ptrsize);
		if (recentry != entry)
			return gs_err(err, GOSYM_E_CORRUPT,
				      "pclntab: function %u record entry 0x%llx differs from the table's 0x%llx",
				      i, (unsigned long long)recentry, (unsigned long long)entry);
		nameoff = (int32_t)rd32(rec + l.nameoff);
		if (nameoff < 0 || (uint64_t)nameoff >= pc->funcnametab.len)
			return gs_err(err, GOSYM_E_CORRUPT,
				      "pclntab: function %u name offset 0x%x outside funcnametab (size 0x%zx)",
				      i, (uint32_t)nameoff, pc->funcnametab.len);
		name = pc->funcnametab.p + nameoff;
		nul = memchr(name, 0, pc->funcnametab.len - nameoff);
		if (!nul)
			return gs_err(err, GOSYM_E_CORRUPT,
				      "pclntab: function %u name at 0x%x is not terminated", i,
				      (uint32_t)nameoff);
		ret = check_tables(bin, &l, i, rec, funcoff, err);
		if (ret)
			return ret;
		f->entry = entry;
		f->end = next;
		f->funcoff = (uint32_t)funcoff;
		f->module = GOSYM_MOD_NONE;
		f->name = gs_strndup(bin, (const char *)name, (size_t)(nul - name));
		if (!f->name)
			return gs_err(err, GOSYM_E_NOMEM, "out of memory");
		entry = next;
		funcoff = nextoff;
	}
	bin->nfuncs = n;
	return 0;
}

int gs_pcln_load(struct gosym_binary *bin, struct gosym_err *err)
{
	struct gs_priv *priv = bin->priv;
	struct gosym_err mderr;
	const struct gs_section *text;
	bool have_md;
	uint64_t v, last, dummy;
	int ret;

	ret = find_pclntab(bin, err);
	if (ret)
		return ret;
	if (priv->pcln.funcdata.len > UINT32_MAX)
		return gs_err(err, GOSYM_E_CORRUPT, "pclntab: table too large");

	/* Moduledata is required for 1.26+ (textStart 0) and right for every
	 * format (external linking); a miss is only fatal later if nothing
	 * else gives the text start. */
	have_md = gs_moduledata_find(bin, &mderr) == GOSYM_OK;
	ret = text_start(bin, have_md, err);
	if (ret)
		return ret;
	/* Without moduledata, the FUNCDATA base still has a symbol. */
	if (bin->format >= GOSYM_PCLN_GO118 && !bin->gofunc &&
	    (gs_elf_symbol(bin, "go:func.*", &v) || gs_elf_symbol(bin, "go.func.*", &v)))
		bin->gofunc = v;

	ret = read_funcs(bin, err);
	if (ret)
		return ret;
	detect_nfuncdata_i32(bin);

	functab_at(bin, priv->pcln.nfunc, &last, &dummy);
	if (!have_md || !bin->text_end || bin->text_end < last) {
		if (gs_elf_symbol(bin, "runtime.etext", &v) && v >= last)
			bin->text_end = v;
		else
			bin->text_end = last;
	}
	/* The Go text does not start .text when C start-up code comes first. */
	text = gs_elf_section(bin, ".text");
	bin->external_link = text && text->addr && bin->text_start > text->addr &&
			     bin->text_start < text->addr + text->size;
	return 0;
}

/* ---- per-function fields ------------------------------------------------- */

static const uint8_t *func_rec(const struct gosym_binary *bin, const struct gosym_func *f,
			       struct fn_layout *l)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;

	fn_layout(bin, l);
	if (f->funcoff > pc->funcdata.len || pc->funcdata.len - f->funcoff < l->hdr)
		return NULL;
	return pc->funcdata.p + f->funcoff;
}

bool gs_func_pcsp(const struct gosym_binary *bin, const struct gosym_func *f, uint32_t *off)
{
	struct fn_layout l;
	const uint8_t *rec = func_rec(bin, f, &l);

	if (!rec)
		return false;
	*off = rd32(rec + l.pcsp);
	return *off != 0;
}

bool gs_func_pcdata(const struct gosym_binary *bin, const struct gosym_func *f, uint32_t idx,
		    uint32_t *off)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;
	struct fn_layout l;
	const uint8_t *rec = func_rec(bin, f, &l);
	uint64_t at;

	if (!rec || idx >= rd32(rec + l.npcdata))
		return false;
	at = (uint64_t)f->funcoff + l.hdr + (uint64_t)idx * 4;
	if (at + 4 > pc->funcdata.len)
		return false;
	*off = rd32(pc->funcdata.p + at);
	return *off != 0;
}

bool gs_func_funcdata(const struct gosym_binary *bin, const struct gosym_func *f, uint32_t idx,
		      uint64_t *addr)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;
	struct fn_layout l;
	const uint8_t *rec = func_rec(bin, f, &l);
	uint64_t at, nfd, v;

	if (!rec)
		return false;
	nfd = pc->nfuncdata_i32 ? rd32(rec + l.nfuncdata) : rec[l.nfuncdata];
	if (idx >= nfd)
		return false;
	at = (uint64_t)f->funcoff + l.hdr + (uint64_t)rd32(rec + l.npcdata) * 4;
	if (bin->format >= GOSYM_PCLN_GO118) {
		at += (uint64_t)idx * 4;
		if (at + 4 > pc->funcdata.len || !bin->gofunc)
			return false;
		v = rd32(pc->funcdata.p + at);
		if (v == 0xffffffffu)
			return false;
		*addr = bin->gofunc + v;
		return true;
	}
	/* Pointers, aligned in memory: the runtime rounds the address up. */
	if (pc->ptrsize == 8 &&
	    ((bin->pcln_addr + (uint64_t)(pc->funcdata.p - pc->tab.p) + at) & 4))
		at += 4;
	at += (uint64_t)idx * pc->ptrsize;
	if (at + pc->ptrsize > pc->funcdata.len)
		return false;
	v = rdptr(pc->funcdata.p + at, pc->ptrsize);
	if (!v)
		return false;
	*addr = v;
	return true;
}

const char *gs_pcln_name(const struct gosym_binary *bin, int64_t nameoff)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;
	const uint8_t *p;

	if (nameoff < 0 || (uint64_t)nameoff >= pc->funcnametab.len)
		return NULL;
	p = pc->funcnametab.p + nameoff;
	/* Only a string terminated inside the table is handed out. */
	if (!memchr(p, 0, pc->funcnametab.len - (size_t)nameoff))
		return NULL;
	return (const char *)p;
}

/* ---- pcvalue tables ------------------------------------------------------ */

/* Unsigned LEB128, at most 32 bits (5 bytes) as the runtime reads it. */
static inline bool varint(const uint8_t **pp, const uint8_t *end, uint32_t *out)
{
	const uint8_t *p = *pp;
	uint32_t v = 0;

	for (unsigned shift = 0; shift < 35; shift += 7) {
		uint8_t b;

		if (p >= end)
			return false;
		b = *p++;
		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*out = v;
			return true;
		}
	}
	return false;
}

int gs_pcvalue_walk(const struct gosym_binary *bin, const struct gosym_func *f,
		    uint32_t off, gs_pcvalue_cb cb, void *ctx)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;
	const uint8_t *p, *end;
	uint64_t start = f->entry;
	uint32_t val = (uint32_t)-1;
	bool first = true;

	if (off == 0 || off >= pc->pctab.len)
		return off == 0 ? 0 : GOSYM_E_CORRUPT;
	p = pc->pctab.p + off;
	end = pc->pctab.p + pc->pctab.len;
	for (;;) {
		uint32_t uv, pcdelta;
		uint64_t stop;

		if (!varint(&p, end, &uv))
			return GOSYM_E_CORRUPT;
		if (uv == 0 && !first)
			return 0;
		first = false;
		/* zigzag: low bit set means negative */
		val += (uv & 1) ? ~(uv >> 1) : (uv >> 1);
		if (!varint(&p, end, &pcdelta))
			return GOSYM_E_CORRUPT;
		stop = start + (uint64_t)pcdelta * pc->quantum;
		if (stop > f->end)
			stop = f->end;
		if (stop > start) {
			int r = cb(ctx, start, stop, (int32_t)val);

			if (r)
				return r;
		}
		start = stop;
		/* A table running past the function ends with it. */
		if (start >= f->end)
			return 0;
	}
}
