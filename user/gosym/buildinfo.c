// SPDX-License-Identifier: GPL-2.0
/*
 * .go.buildinfo: the Go version and the module list (what `go version -m`
 * prints), following debug/buildinfo and runtime/debug.ParseBuildInfo.
 *
 * The blob is 16-byte aligned and starts with a 32-byte header:
 *   [0:14]  "\xff Go buildinf:"
 *   [14]    pointer size (4 or 8)
 *   [15]    flags: bit 0 big endian, bit 1 inline strings (Go 1.18+)
 * Go 1.13-1.17: [16:16+ptr] and [16+ptr:16+2*ptr] are the addresses of two
 * Go string headers {ptr, len}: runtime.buildVersion and runtime.modinfo.
 * Go 1.18+: both are 0, and two uvarint-length-prefixed strings follow the
 * header at offset 32.
 *
 * The linker puts the blob in its own section; without section headers it
 * is at the start of the first writable segment, and Go's reader scans the
 * first 64 KiB there for the magic on a 16-byte boundary. We do the same.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define BI_MAGIC "\xff Go buildinf:"
#define BI_MAGIC_LEN 14
#define BI_HDR_LEN 32
#define BI_ALIGN 16
#define BI_SCAN_MAX (64 * 1024)

/* modinfo framing: cmd/go/internal/modload infoStart/infoEnd, 16 bytes each */
#define BI_SENTINEL_LEN 16

/* A region of file bytes with the vaddr of its first byte. */
struct bi_region {
	const uint8_t *p;
	size_t len;
	uint64_t addr;
};

/* Find the aligned magic in r with a full header after it. */
static bool bi_scan(const struct bi_region *r, size_t max, struct bi_region *out)
{
	size_t len = r->len < max ? r->len : max;
	size_t i = (size_t)((BI_ALIGN - r->addr % BI_ALIGN) % BI_ALIGN);

	for (; i + BI_HDR_LEN <= len; i += BI_ALIGN) {
		if (r->p[i] != 0xff || memcmp(r->p + i, BI_MAGIC, BI_MAGIC_LEN))
			continue;
		out->p = r->p + i;
		out->len = r->len - i;
		out->addr = r->addr + i;
		return true;
	}
	return false;
}

/* The header: the .go.buildinfo section, else the first writable,
 * non-executable PT_LOAD segment with the magic near its start. */
static bool bi_find(const struct gosym_binary *bin, struct bi_region *out)
{
	const struct gs_priv *priv = bin->priv;
	const struct gs_section *sec = gs_elf_section(bin, ".go.buildinfo");
	size_t i, nph = 0;

	if (sec && sec->data) {
		struct bi_region r = { sec->data, sec->data_len, sec->addr };

		if (bi_scan(&r, BI_SCAN_MAX, out))
			return true;
	}
	if (!priv->elf || elf_getphdrnum(priv->elf, &nph))
		return false;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;
		struct bi_region r;

		if (!gelf_getphdr(priv->elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    (ph.p_flags & (PF_W | PF_X)) != PF_W || !ph.p_filesz)
			continue;
		if (ph.p_offset >= priv->file_len)
			continue;
		r.p = priv->file + ph.p_offset;
		r.len = priv->file_len - ph.p_offset;
		if (r.len > ph.p_filesz)
			r.len = ph.p_filesz;
		r.addr = ph.p_vaddr;
		if (bi_scan(&r, BI_SCAN_MAX, out))
			return true;
	}
	return false;
}

/* File bytes at vaddr: sections (gs_elf_vaddr) first, then PT_LOAD
 * segments, so that the pointer layout also works without section headers. */
static bool bi_vaddr(const struct gosym_binary *bin, uint64_t addr, size_t len,
		     struct gs_buf *out)
{
	const struct gs_priv *priv = bin->priv;
	size_t i, nph = 0;

	if (gs_elf_vaddr(bin, addr, len, out))
		return true;
	if (!priv->elf || elf_getphdrnum(priv->elf, &nph))
		return false;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;
		uint64_t off, avail;

		if (!gelf_getphdr(priv->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (addr < ph.p_vaddr || addr - ph.p_vaddr >= ph.p_filesz)
			continue;
		off = ph.p_offset + (addr - ph.p_vaddr);
		if (off < ph.p_offset || off >= priv->file_len)
			return false;
		avail = ph.p_filesz - (addr - ph.p_vaddr);
		if (avail > priv->file_len - off)
			avail = priv->file_len - off;
		out->p = priv->file + off;
		out->len = avail < len ? (size_t)avail : len;
		return true;
	}
	return false;
}

static uint64_t bi_ptr(const uint8_t *p, unsigned ptrsize, bool be)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < ptrsize; i++) {
		unsigned shift = be ? 8 * (ptrsize - 1 - i) : 8 * i;

		v |= (uint64_t)p[i] << shift;
	}
	return v;
}

/* Go <= 1.17: a Go string header at addr. */
static int bi_read_strhdr(const struct gosym_binary *bin, const char *what, uint64_t addr,
			  unsigned ptrsize, bool be, const uint8_t **s, size_t *n,
			  struct gosym_err *err)
{
	struct gs_buf hdr, data;
	uint64_t sp, sl;

	*s = NULL;
	*n = 0;
	if (!bi_vaddr(bin, addr, 2 * ptrsize, &hdr) || hdr.len < 2 * ptrsize)
		return gs_err(err, GOSYM_E_CORRUPT,
			      "buildinfo: %s string header at 0x%llx outside the file",
			      what, (unsigned long long)addr);
	sp = bi_ptr(hdr.p, ptrsize, be);
	sl = bi_ptr(hdr.p + ptrsize, ptrsize, be);
	if (!sl)
		return 0;
	if (sl > SIZE_MAX || !bi_vaddr(bin, sp, (size_t)sl, &data))
		return gs_err(err, GOSYM_E_CORRUPT,
			      "buildinfo: %s string at 0x%llx outside the file",
			      what, (unsigned long long)sp);
	if (data.len < sl)
		return gs_err(err, GOSYM_E_CORRUPT,
			      "buildinfo: %s string length %llu past end of section",
			      what, (unsigned long long)sl);
	*s = data.p;
	*n = (size_t)sl;
	return 0;
}

/* Go 1.18+: a uvarint length and the bytes, advancing *off. */
static int bi_read_varstr(const struct bi_region *r, size_t *off, const char *what,
			  const uint8_t **s, size_t *n, struct gosym_err *err)
{
	uint64_t v = 0;
	unsigned shift = 0;
	size_t o = *off;

	for (;;) {
		uint8_t b;

		if (o >= r->len)
			return gs_err(err, GOSYM_E_CORRUPT,
				      "buildinfo: %s length past end of section", what);
		b = r->p[o++];
		if (shift == 63 && b > 1)
			return gs_err(err, GOSYM_E_CORRUPT, "buildinfo: %s length overflows", what);
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
		if (shift > 63)
			return gs_err(err, GOSYM_E_CORRUPT, "buildinfo: %s length overflows", what);
	}
	if (v > r->len - o)
		return gs_err(err, GOSYM_E_CORRUPT,
			      "buildinfo: %s length %llu past end of section",
			      what, (unsigned long long)v);
	*s = r->p + o;
	*n = (size_t)v;
	*off = o + (size_t)v;
	return 0;
}

/* A column of a tab-separated line: [*p, end) up to the next tab. */
static size_t bi_split(const char *line, size_t len, const char **cols, size_t *lens, size_t max)
{
	size_t n = 0, start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != '\t')
			continue;
		if (n < max) {
			cols[n] = line + start;
			lens[n] = i - start;
		}
		n++;
		start = i + 1;
	}
	return n;
}

static char *bi_strdup_opt(struct gosym_binary *bin, const char *s, size_t n, bool *oom)
{
	char *r;

	if (!n)
		return NULL;
	r = gs_strndup(bin, s, n);
	if (!r)
		*oom = true;
	return r;
}

static bool bi_starts(const char *line, size_t len, const char *pfx)
{
	size_t n = strlen(pfx);

	return len >= n && !memcmp(line, pfx, n);
}

/*
 * runtime/debug.ParseBuildInfo over the unframed modinfo: lines end with
 * '\n' (a last line without one is ignored, like Go); "mod"/"dep" take 2 or
 * 3 columns (path, version, sum), "=>" exactly 3 and replaces the module on
 * the previous line; other lines ("build", "path") are skipped here except
 * "path", which names the main package.
 */
static int bi_parse_modinfo(struct gosym_binary *bin, const char *s, size_t len,
			    struct gosym_err *err)
{
	struct gosym_module *mods, *last = NULL;
	const char *path = NULL;
	size_t pathlen = 0, nlines = 0, nmods = 1, lineno = 0, i;
	bool have_main = false, oom = false;
	const char *p = s, *end = s + len;

	for (i = 0; i < len; i++)
		nlines += s[i] == '\n';
	/* slot 0 is reserved for the main module */
	mods = gs_alloc(bin, (nlines + 1) * sizeof(*mods));
	if (!mods)
		return gs_err(err, GOSYM_E_NOMEM, "buildinfo: out of memory");

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *cols[4];
		size_t lens[4], ncol, llen;
		struct gosym_module *m;

		if (!nl)
			break;
		llen = (size_t)(nl - p);
		lineno++;
		if (bi_starts(p, llen, "path\t")) {
			path = p + 5;
			pathlen = llen - 5;
		} else if (bi_starts(p, llen, "mod\t") || bi_starts(p, llen, "dep\t")) {
			bool ismain = p[0] == 'm';
			size_t skip = 4;

			ncol = bi_split(p + skip, llen - skip, cols, lens, 4);
			if (ncol != 2 && ncol != 3)
				return gs_err(err, GOSYM_E_CORRUPT,
					      "buildinfo: line %zu: expected 2 or 3 columns, got %zu",
					      lineno, ncol);
			if (!lens[0])
				return gs_err(err, GOSYM_E_CORRUPT,
					      "buildinfo: line %zu: empty module path", lineno);
			if (ismain) {
				m = &mods[0];
				memset(m, 0, sizeof(*m));
				have_main = true;
			} else {
				m = &mods[nmods++];
			}
			m->path = gs_strndup(bin, cols[0], lens[0]);
			if (!m->path)
				oom = true;
			m->version = bi_strdup_opt(bin, cols[1], lens[1], &oom);
			m->sum = ncol == 3 ? bi_strdup_opt(bin, cols[2], lens[2], &oom) : NULL;
			m->main = ismain;
			m->from_buildinfo = true;
			last = m;
		} else if (bi_starts(p, llen, "=>\t")) {
			ncol = bi_split(p + 3, llen - 3, cols, lens, 4);
			if (ncol != 3)
				return gs_err(err, GOSYM_E_CORRUPT,
					      "buildinfo: line %zu: expected 3 columns for replacement, got %zu",
					      lineno, ncol);
			if (!last)
				return gs_err(err, GOSYM_E_CORRUPT,
					      "buildinfo: line %zu: replacement with no module on previous line",
					      lineno);
			last->replace_path = bi_strdup_opt(bin, cols[0], lens[0], &oom);
			last->replace_version = bi_strdup_opt(bin, cols[1], lens[1], &oom);
			/* The replacement's sum is that of the code actually built. */
			if (lens[2])
				last->sum = bi_strdup_opt(bin, cols[2], lens[2], &oom);
			last = NULL;
		}
		if (oom)
			return gs_err(err, GOSYM_E_NOMEM, "buildinfo: out of memory");
		p = nl + 1;
	}

	/*
	 * "path" without "mod": built from files outside a module (go run x.go,
	 * path "command-line-arguments"). Its main package is still the user's
	 * code, so keep a main module named after the path, without a version.
	 */
	if (!have_main && path && pathlen) {
		mods[0].path = gs_strndup(bin, path, pathlen);
		if (!mods[0].path)
			return gs_err(err, GOSYM_E_NOMEM, "buildinfo: out of memory");
		mods[0].main = true;
		mods[0].from_buildinfo = true;
		have_main = true;
	}
	if (!have_main) {
		mods++;
		nmods--;
	}
	bin->modules = nmods ? mods : NULL;
	bin->nmodules = (uint32_t)nmods;
	return 0;
}

int gs_buildinfo_load(struct gosym_binary *bin, struct gosym_err *err)
{
	struct bi_region r;
	const uint8_t *vers = NULL, *mod = NULL;
	size_t nvers = 0, nmod = 0;
	unsigned ptrsize;
	uint8_t flags;
	int ret;

	bin->go_version = NULL;
	if (!bi_find(bin, &r))
		return GOSYM_OK;

	ptrsize = r.p[14];
	flags = r.p[15];
	if (ptrsize != 4 && ptrsize != 8)
		return gs_err(err, GOSYM_E_CORRUPT, "buildinfo: bad pointer size %u", ptrsize);

	if (flags & 2) {
		size_t off = BI_HDR_LEN;

		ret = bi_read_varstr(&r, &off, "version", &vers, &nvers, err);
		if (!ret)
			ret = bi_read_varstr(&r, &off, "modinfo", &mod, &nmod, err);
	} else {
		bool be = flags & 1;

		ret = bi_read_strhdr(bin, "version", bi_ptr(r.p + 16, ptrsize, be),
				     ptrsize, be, &vers, &nvers, err);
		if (!ret)
			ret = bi_read_strhdr(bin, "modinfo",
					     bi_ptr(r.p + 16 + ptrsize, ptrsize, be),
					     ptrsize, be, &mod, &nmod, err);
	}
	if (ret)
		return ret;
	if (!nvers)
		return gs_err(err, GOSYM_E_CORRUPT, "buildinfo: empty Go version");
	if (memchr(vers, '\0', nvers))
		return gs_err(err, GOSYM_E_CORRUPT, "buildinfo: NUL byte in Go version");
	bin->go_version = gs_strndup(bin, (const char *)vers, nvers);
	if (!bin->go_version)
		return gs_err(err, GOSYM_E_NOMEM, "buildinfo: out of memory");

	/* Framed like debug/buildinfo: strip the sentinels only when the byte
	 * before the end sentinel is the last line's '\n'; otherwise there is
	 * no usable module information (GOPATH-mode builds). */
	if (nmod >= 2 * BI_SENTINEL_LEN + 1 && mod[nmod - BI_SENTINEL_LEN - 1] == '\n') {
		mod += BI_SENTINEL_LEN;
		nmod -= 2 * BI_SENTINEL_LEN;
	} else {
		nmod = 0;
	}
	if (nmod && memchr(mod, '\0', nmod))
		return gs_err(err, GOSYM_E_CORRUPT, "buildinfo: NUL byte in module info");
	return bi_parse_modinfo(bin, (const char *)mod, nmod, err);
}
