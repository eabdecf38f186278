// SPDX-License-Identifier: GPL-2.0
/*
 * Find runtime.firstmoduledata and read the Go text start/end and gofunc.
 *
 * Layouts in pointer-sized words (runtime/symtab.go `type moduledata struct`;
 * checked against go1.16, 1.18/1.19 (local GOROOT), 1.20-1.25, 1.26, 1.27):
 *
 *   1.5-1.15:  pclntable[] 0-2, ftab[] 3-5, filetab[] 6-8, findfunctab 9,
 *              minpc 10, maxpc 11, text 12, etext 13
 *   1.16+:     pcHeader 0, funcnametab[] 1-3, cutab[] 4-6, filetab[] 7-9,
 *              pctab[] 10-12, pclntable[] 13-15, ftab[] 16-18, findfunctab 19,
 *              minpc 20, maxpc 21, text 22, etext 23, noptrdata.. 24-31
 *   1.18-1.19: end 32, gcdata 33, gcbss 34, types 35, etypes 36,
 *              rodata 37, gofunc 38
 *   1.20-1.25: covctrs 32-33, end 34, gcdata 35, gcbss 36, types 37,
 *              etypes 38, rodata 39, gofunc 40 (1.26: epclntab 41)
 *   1.27:      ..., types 37, typedesclen 38, etypes 39, itaboffset 40,
 *              itabsize 41, rodata 42, gofunc 43, epclntab 44
 *
 * The struct is found through its symbol, or else by scanning writable data
 * for a word equal to the pclntab address, each hit validated against the
 * pclntab header (slice pointers, ftab length). PIE binaries linked without
 * in-place addends (e.g. lld) keep these words as R_*_RELATIVE addends only,
 * so those are consulted when a word reads as 0.
 */
#include <string.h>

#include "internal.h"

#ifndef R_X86_64_RELATIVE
#define R_X86_64_RELATIVE 8
#endif
#ifndef R_AARCH64_RELATIVE
#define R_AARCH64_RELATIVE 1027
#endif

#define MD_WORDS 45

struct md_ctx {
	struct gosym_binary *bin;
	const struct gs_section *rela;	/* consulted for words that read 0 */
	uint32_t reltype;
};

static bool rela_addend(const struct md_ctx *c, uint64_t addr, uint64_t *val)
{
	const struct gs_section *s = c->rela;

	if (!s || !s->data)
		return false;
	for (size_t off = 0; off + 24 <= s->data_len; off += 24) {
		uint64_t r_off, r_info, r_add;

		memcpy(&r_off, s->data + off, 8);
		if (r_off != addr)
			continue;
		memcpy(&r_info, s->data + off + 8, 8);
		memcpy(&r_add, s->data + off + 16, 8);
		if ((uint32_t)r_info != c->reltype)
			return false;
		*val = r_add;
		return true;
	}
	return false;
}

/* Read the moduledata candidate's first MD_WORDS words. */
static bool read_words(const struct md_ctx *c, uint64_t addr, uint64_t *w)
{
	struct gs_buf b;

	if (!gs_elf_vaddr(c->bin, addr, MD_WORDS * 8, &b) || b.len < MD_WORDS * 8)
		return false;
	for (int i = 0; i < MD_WORDS; i++) {
		memcpy(&w[i], b.p + i * 8, 8);
		if (!w[i] && c->rela)
			rela_addend(c, addr + (uint64_t)i * 8, &w[i]);
	}
	return true;
}

static bool in_file(const struct gosym_binary *bin, uint64_t addr)
{
	struct gs_buf b;

	return addr && gs_elf_vaddr(bin, addr, 1, &b);
}

/* gofunc for the 1.20+ layouts: 1.27 first (its epclntab pins it down). */
static uint64_t gofunc_120(const struct gosym_binary *bin, const uint64_t *w)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;
	uint64_t pend = bin->pcln_addr + pc->tab.len;

	if (w[42] <= w[43] && in_file(bin, w[43]) && w[44] > bin->pcln_addr && w[44] <= pend &&
	    w[37] <= w[39])
		return w[43];
	if (w[39] <= w[40] && in_file(bin, w[40]) && w[37] <= w[38])
		return w[40];
	return 0;
}

static bool validate(struct gosym_binary *bin, const uint64_t *w)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;
	uint64_t base = bin->pcln_addr, gofunc = 0;
	int t;

	if (bin->format == GOSYM_PCLN_GO12) {
		/* pclntable = the whole table, ftab right after nfunc */
		if (w[0] != base || w[3] != base + 8 + pc->ptrsize || w[4] != (uint64_t)pc->nfunc + 1)
			return false;
		t = 12;
		if (w[10] > w[11])
			return false;
	} else {
		if (w[0] != base ||
		    w[1] != base + (uint64_t)(pc->funcnametab.p - pc->tab.p) ||
		    w[10] != base + (uint64_t)(pc->pctab.p - pc->tab.p) ||
		    w[13] != base + (uint64_t)(pc->funcdata.p - pc->tab.p) ||
		    w[16] != w[13] || w[17] != (uint64_t)pc->nfunc + 1)
			return false;
		t = 22;
		if (w[20] > w[21])
			return false;
	}
	if (!w[t] || w[t] > w[t + 1])
		return false;

	if (bin->format == GOSYM_PCLN_GO118) {
		if (w[37] <= w[38] && in_file(bin, w[38]))
			gofunc = w[38];
	} else if (bin->format == GOSYM_PCLN_GO120) {
		gofunc = gofunc_120(bin, w);
	}
	/* FUNCDATA offsets are useless without gofunc: insist on it. */
	if (bin->format >= GOSYM_PCLN_GO118 && !gofunc)
		return false;

	bin->text_start = w[t];
	bin->text_end = w[t + 1];
	bin->gofunc = gofunc;
	return true;
}

static bool try_at(struct md_ctx *c, uint64_t addr)
{
	uint64_t w[MD_WORDS];

	return read_words(c, addr, w) && validate(c->bin, w);
}

static bool scan_section(struct md_ctx *c, const struct gs_section *s)
{
	if (!(s->flags & SHF_ALLOC) || !s->data || s->type == SHT_NOBITS)
		return false;
	for (size_t off = (8 - (s->addr & 7)) & 7; off + 8 <= s->data_len; off += 8) {
		uint64_t v;

		memcpy(&v, s->data + off, 8);
		if (v == c->bin->pcln_addr && try_at(c, s->addr + off))
			return true;
	}
	return false;
}

int gs_moduledata_find(struct gosym_binary *bin, struct gosym_err *err)
{
	struct gs_priv *priv = bin->priv;
	struct md_ctx c = { .bin = bin };
	const struct gs_section *s;
	uint64_t addr;

	if (priv->pcln.ptrsize != 8)
		return gs_err(err, GOSYM_E_UNSUPPORTED, "moduledata: pointer size %u",
			      priv->pcln.ptrsize);
	c.reltype = priv->machine == EM_X86_64 ? R_X86_64_RELATIVE : R_AARCH64_RELATIVE;
	/* The dynamic relocations: the biggest RELA section (.rela.dyn or the
	 * Go linker's .rela, not .rela.plt). */
	for (size_t i = 0; i < priv->nsecs; i++)
		if (priv->secs[i].type == SHT_RELA && (priv->secs[i].flags & SHF_ALLOC) &&
		    (!c.rela || priv->secs[i].data_len > c.rela->data_len))
			c.rela = &priv->secs[i];

	if (gs_elf_symbol(bin, "runtime.firstmoduledata", &addr) && try_at(&c, addr))
		return GOSYM_OK;

	/* Where the linker puts it: .noptrdata (1.5+), then any writable data. */
	s = gs_elf_section(bin, ".noptrdata");
	if (s && scan_section(&c, s))
		return GOSYM_OK;
	for (size_t i = 0; i < priv->nsecs; i++) {
		s = &priv->secs[i];
		if ((s->flags & SHF_WRITE) && strcmp(s->name, ".noptrdata") && scan_section(&c, s))
			return GOSYM_OK;
	}

	/* Words kept only as relocation addends. */
	if (c.rela && c.rela->data) {
		for (size_t off = 0; off + 24 <= c.rela->data_len; off += 24) {
			uint64_t r_off, r_info, r_add;

			memcpy(&r_off, c.rela->data + off, 8);
			memcpy(&r_info, c.rela->data + off + 8, 8);
			memcpy(&r_add, c.rela->data + off + 16, 8);
			if ((uint32_t)r_info == c.reltype && r_add == bin->pcln_addr &&
			    try_at(&c, r_off))
				return GOSYM_OK;
		}
	}
	return gs_err(err, GOSYM_E_NOT_GO, "moduledata: runtime.firstmoduledata not found");
}
