// SPDX-License-Identifier: GPL-2.0
/*
 * gosym: opening a binary (file or memory), the load pipeline, the string
 * arena, error formatting and the lookups of gosym.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* ---- errors -------------------------------------------------------------- */

int gs_err(struct gosym_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		/* Names from the file may hold anything: keep the message one
		 * printable line. */
		for (char *c = err->msg; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	}
	return code;
}

const char *gosym_strerror(int code)
{
	switch (code) {
	case GOSYM_OK:			return "ok";
	case GOSYM_E_IO:		return "io";
	case GOSYM_E_NOT_ELF:		return "not-elf";
	case GOSYM_E_NOT_GO:		return "not-go";
	case GOSYM_E_CORRUPT:		return "corrupt";
	case GOSYM_E_UNSUPPORTED:	return "unsupported";
	case GOSYM_E_NOMEM:		return "nomem";
	default:			return "unknown";
	}
}

const char *gosym_kind_str(uint32_t kind)
{
	switch (kind) {
	case GOSYM_KIND_MODULE:		return "module";
	case GOSYM_KIND_UNKNOWN:	return "unknown";
	case GOSYM_KIND_STDLIB:		return "stdlib";
	case GOSYM_KIND_RUNTIME:	return "runtime";
	case GOSYM_KIND_SYNTHETIC:	return "synthetic";
	default:			return "?";
	}
}

const char *gosym_format_str(enum gosym_pcln_format f)
{
	switch (f) {
	case GOSYM_PCLN_GO12:	return "1.2";
	case GOSYM_PCLN_GO116:	return "1.16";
	case GOSYM_PCLN_GO118:	return "1.18";
	case GOSYM_PCLN_GO120:	return "1.20";
	default:		return "unknown";
	}
}

/* ---- arena --------------------------------------------------------------- */

/*
 * Bump allocator in calloc'ed chunks: the tables have tens of thousands of
 * small strings and records that all die together with the binary, so one
 * malloc per function would dominate the load time.
 */
#define GS_CHUNK_MIN	(256 * 1024)
#define GS_ALIGN	16

struct gs_chunk {
	struct gs_chunk *next;
	size_t used;
	size_t cap;
	_Alignas(GS_ALIGN) unsigned char data[];
};

void *gs_alloc(struct gosym_binary *bin, size_t n)
{
	struct gs_priv *priv = bin->priv;
	struct gs_chunk *c = priv->arena;
	size_t need = (n + GS_ALIGN - 1) & ~(size_t)(GS_ALIGN - 1);
	void *p;

	if (n == 0)
		need = GS_ALIGN;
	if (need < n)		/* overflow */
		return NULL;
	if (!c || c->cap - c->used < need) {
		size_t cap = need > GS_CHUNK_MIN ? need : GS_CHUNK_MIN;
		struct gs_chunk *nc;

		if (cap > SIZE_MAX - sizeof(*nc))
			return NULL;
		nc = calloc(1, sizeof(*nc) + cap);
		if (!nc)
			return NULL;
		nc->cap = cap;
		/* A big block gets its own chunk behind the current one, so
		 * the current chunk's free space stays usable. */
		if (c && need > GS_CHUNK_MIN / 4) {
			nc->next = c->next;
			c->next = nc;
			nc->used = need;
			return nc->data;
		}
		nc->next = c;
		priv->arena = c = nc;
	}
	p = c->data + c->used;
	c->used += need;
	return p;
}

char *gs_strndup(struct gosym_binary *bin, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		return NULL;
	p = gs_alloc(bin, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void arena_free(struct gs_chunk *c)
{
	while (c) {
		struct gs_chunk *next = c->next;

		free(c);
		c = next;
	}
}

/* ---- interned package paths ---------------------------------------------- */

/*
 * gosym_frames_at must hand out package paths of inlined functions that may
 * have no physical function (hence no gosym_func.pkg) in the binary. They are
 * interned: memory grows with the number of distinct packages, not calls.
 */
struct gs_intern {
	pthread_mutex_t lock;
	struct gosym_binary *bin;
	const char **slots;	/* open addressing, power of two */
	uint32_t cap;
	uint32_t n;
};

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static const char *intern_locked(struct gs_intern *in, const char *s)
{
	uint32_t i;

	if (in->n * 2 >= in->cap) {
		uint32_t ncap = in->cap ? in->cap * 2 : 64;
		const char **ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return NULL;
		for (uint32_t j = 0; j < in->cap; j++) {
			if (!in->slots[j])
				continue;
			i = str_hash(in->slots[j]) & (ncap - 1);
			while (ns[i])
				i = (i + 1) & (ncap - 1);
			ns[i] = in->slots[j];
		}
		free(in->slots);
		in->slots = ns;
		in->cap = ncap;
	}
	i = str_hash(s) & (in->cap - 1);
	while (in->slots[i]) {
		if (!strcmp(in->slots[i], s))
			return in->slots[i];
		i = (i + 1) & (in->cap - 1);
	}
	in->slots[i] = gs_strndup(in->bin, s, strlen(s));
	if (!in->slots[i])
		return NULL;
	in->n++;
	return in->slots[i];
}

static const char *intern(const struct gosym_binary *bin, const char *s)
{
	struct gs_priv *priv = bin->priv;
	struct gs_intern *in = priv->intern;
	const char *r;

	if (!in)
		return NULL;
	pthread_mutex_lock(&in->lock);
	r = intern_locked(in, s);
	pthread_mutex_unlock(&in->lock);
	return r;
}

static void intern_free(struct gs_intern *in)
{
	if (!in)
		return;
	pthread_mutex_destroy(&in->lock);
	free(in->slots);
	free(in);
}

/* ---- open / close -------------------------------------------------------- */

static struct gosym_binary *bin_new(void)
{
	struct gosym_binary *bin = calloc(1, sizeof(*bin));
	struct gs_priv *priv = calloc(1, sizeof(*priv));
	struct gs_intern *in = calloc(1, sizeof(*in));

	if (!bin || !priv || !in || pthread_mutex_init(&in->lock, NULL)) {
		free(bin);
		free(priv);
		free(in);
		return NULL;
	}
	in->bin = bin;
	priv->intern = in;
	priv->fd = -1;
	bin->priv = priv;
	return bin;
}

void gosym_close(struct gosym_binary *bin)
{
	struct gs_priv *priv;

	if (!bin)
		return;
	priv = bin->priv;
	if (priv) {
		if (priv->elf)
			elf_end(priv->elf);
		free(priv->secs);
		intern_free(priv->intern);
		arena_free(priv->arena);
		if (priv->map)
			munmap(priv->map, priv->map_len);
		if (priv->fd >= 0)
			close(priv->fd);
		free(priv);
	}
	free(bin);
}

/* The load pipeline over priv->file; each step fills err on failure. */
static int load(struct gosym_binary *bin, const struct gosym_opts *opts,
		struct gosym_err *err)
{
	static const struct gosym_opts defaults;
	int ret;

	if (!opts)
		opts = &defaults;
	ret = gs_elf_load(bin, err);
	if (ret)
		return ret;
	ret = gs_pcln_load(bin, err);
	if (ret)
		return ret;
	ret = gs_buildinfo_load(bin, err);
	if (ret)
		return ret;
	ret = gs_mark_functions(bin, err);
	if (ret)
		return ret;
	ret = gs_modules_attribute(bin, opts, err);
	if (ret)
		return ret;
	if (!opts->no_ranges) {
		ret = gs_ranges_build(bin, err);
		if (ret)
			return ret;
	}
	return GOSYM_OK;
}

static int finish(struct gosym_binary *bin, const struct gosym_opts *opts,
		  struct gosym_binary **out, struct gosym_err *err)
{
	int ret = load(bin, opts, err);

	if (ret) {
		/* A step that forgot to say why still gives a message. */
		if (err && !err->msg[0])
			gs_err(err, ret, "loading Go tables failed (%s)", gosym_strerror(ret));
		if (err)
			err->code = ret;
		gosym_close(bin);
		return ret;
	}
	*out = bin;
	return GOSYM_OK;
}

int gosym_open(const char *path, const struct gosym_opts *opts,
	       struct gosym_binary **out, struct gosym_err *err)
{
	struct gosym_binary *bin = NULL;
	struct gs_priv *priv;
	struct stat st;
	void *map;
	int fd, ret;

	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
	if (!out)
		return gs_err(err, GOSYM_E_IO, "no output pointer");
	*out = NULL;
	if (!path || !*path)
		return gs_err(err, GOSYM_E_IO, "empty file name");

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gs_err(err, GOSYM_E_IO, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st)) {
		ret = gs_err(err, GOSYM_E_IO, "cannot stat: %s", strerror(errno));
		goto err_fd;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = gs_err(err, GOSYM_E_IO, "is a directory");
		goto err_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = gs_err(err, GOSYM_E_IO, "not a regular file");
		goto err_fd;
	}
	if (st.st_size == 0) {
		ret = gs_err(err, GOSYM_E_IO, "empty file");
		goto err_fd;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		ret = gs_err(err, GOSYM_E_IO, "file too large");
		goto err_fd;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		ret = gs_err(err, GOSYM_E_IO, "cannot map: %s", strerror(errno));
		goto err_fd;
	}

	bin = bin_new();
	if (!bin) {
		munmap(map, st.st_size);
		ret = gs_err(err, GOSYM_E_NOMEM, "out of memory");
		goto err_fd;
	}
	priv = bin->priv;
	priv->fd = fd;
	priv->map = map;
	priv->map_len = st.st_size;
	priv->file = map;
	priv->file_len = st.st_size;
	bin->path = gs_strndup(bin, path, strlen(path));
	if (!bin->path) {
		gosym_close(bin);
		return gs_err(err, GOSYM_E_NOMEM, "out of memory");
	}
	return finish(bin, opts, out, err);

err_fd:
	close(fd);
	return ret;
}

int gosym_open_mem(const void *buf, size_t len, const struct gosym_opts *opts,
		   struct gosym_binary **out, struct gosym_err *err)
{
	struct gosym_binary *bin;
	struct gs_priv *priv;

	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
	if (!out)
		return gs_err(err, GOSYM_E_IO, "no output pointer");
	*out = NULL;
	if (!buf || len == 0)
		return gs_err(err, GOSYM_E_IO, "empty file");

	bin = bin_new();
	if (!bin)
		return gs_err(err, GOSYM_E_NOMEM, "out of memory");
	priv = bin->priv;
	priv->file = buf;
	priv->file_len = len;
	bin->path = gs_strndup(bin, "(memory)", 8);
	if (!bin->path) {
		gosym_close(bin);
		return gs_err(err, GOSYM_E_NOMEM, "out of memory");
	}
	return finish(bin, opts, out, err);
}

/* ---- lookups ------------------------------------------------------------- */

const struct gosym_func *gosym_find_func(const struct gosym_binary *bin, uint64_t pc)
{
	uint32_t lo = 0, hi;

	if (!bin || !bin->nfuncs)
		return NULL;
	hi = bin->nfuncs;
	/* Last function whose entry <= pc. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (bin->funcs[mid].entry <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (pc >= bin->funcs[lo - 1].end)
		return NULL;
	return &bin->funcs[lo - 1];
}

const struct gosym_range *gosym_find_range(const struct gosym_binary *bin, uint64_t pc)
{
	uint32_t lo = 0, hi;

	if (!bin || !bin->nranges)
		return NULL;
	hi = bin->nranges;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (bin->ranges[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || pc >= bin->ranges[lo - 1].end)
		return NULL;
	return &bin->ranges[lo - 1];
}

int32_t gosym_module_index(const struct gosym_binary *bin, const char *path)
{
	if (!bin || !path)
		return GOSYM_MOD_NONE;
	for (uint32_t i = 0; i < bin->nmodules; i++)
		if (bin->modules[i].path && !strcmp(bin->modules[i].path, path))
			return (int32_t)i;
	return GOSYM_MOD_NONE;
}

#define GS_MAX_FRAMES 64
#define GS_PKG_MAX 1024

/* pkg/module/kind of an inlined frame, by the rules modules.c applies to
 * physical functions (gs_module_of_name), with the package interned. */
static int frame_attr(const struct gosym_binary *bin, struct gosym_frame *fr)
{
	char pkg[GS_PKG_MAX];
	size_t rawlen;
	bool synth;
	int n;

	fr->pkg = "";
	fr->module = gs_module_of_name(bin, fr->name);
	rawlen = gs_raw_pkg_len(fr->name, &synth);
	if (rawlen == 0 || rawlen >= sizeof(pkg)) {
		fr->kind = GOSYM_KIND_SYNTHETIC;
		return 0;
	}
	memcpy(pkg, fr->name, rawlen);
	pkg[rawlen] = '\0';
	n = gosym_unescape(pkg, pkg, sizeof(pkg));
	if (n < 0)
		pkg[0] = '\0';
	if (fr->module != GOSYM_MOD_NONE)
		fr->kind = GOSYM_KIND_MODULE;
	else if (synth || !pkg[0])
		fr->kind = GOSYM_KIND_SYNTHETIC;
	else
		fr->kind = gosym_classify_pkg(pkg, NULL);
	if (fr->kind == GOSYM_KIND_SYNTHETIC)
		return 0;
	fr->pkg = intern(bin, pkg);
	return fr->pkg ? 0 : GOSYM_E_NOMEM;
}

int gosym_frames_at(const struct gosym_binary *bin, uint64_t pc,
		    struct gosym_frame *frames, int max)
{
	const char *names[GS_MAX_FRAMES];
	const struct gosym_func *f;
	int n, ret;

	if (!bin || !frames || max <= 0)
		return 0;
	f = gosym_find_func(bin, pc);
	if (!f)
		return 0;
	if (max > GS_MAX_FRAMES)
		max = GS_MAX_FRAMES;
	n = gs_inline_at(bin, f, pc, names, max);
	if (n < 0)
		return n;

	for (int i = 0; i < n; i++) {
		struct gosym_frame *fr = &frames[i];

		memset(fr, 0, sizeof(*fr));
		fr->name = names[i];
		if (i == n - 1) {
			/* The physical function: modules.c already did the work. */
			fr->name = f->name;
			fr->pkg = f->pkg ? f->pkg : "";
			fr->module = f->module;
			fr->kind = f->kind;
			continue;
		}
		ret = frame_attr(bin, fr);
		if (ret)
			return ret;
	}
	return n;
}
