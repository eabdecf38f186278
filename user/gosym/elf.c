// SPDX-License-Identifier: GPL-2.0
/*
 * ELF access for gosym: the section table with each section's file bytes,
 * virtual address -> bytes, .symtab lookups and the Go build ID.
 *
 * libelf parses the headers; section contents are taken straight from the
 * mapped file (bounds-checked here) so that no table read goes through a
 * libelf copy and a lying sh_size can never reach past the file.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifndef EM_AARCH64
#define EM_AARCH64 183
#endif

/* Check the identification bytes before libelf sees the image: only ELF64
 * little-endian is supported, so libelf never needs to convert in place. */
static int check_ident(const uint8_t *p, size_t len, struct gosym_err *err)
{
	uint16_t machine;

	if (len < EI_NIDENT || memcmp(p, ELFMAG, SELFMAG))
		return gs_err(err, GOSYM_E_NOT_ELF, "not an ELF file");
	if (p[EI_CLASS] != ELFCLASS64)
		return gs_err(err, GOSYM_E_NOT_ELF, "ELF class %u not supported (only ELF64)",
			      p[EI_CLASS]);
	if (p[EI_DATA] != ELFDATA2LSB)
		return gs_err(err, GOSYM_E_NOT_ELF, "big-endian ELF not supported");
	if (len < sizeof(Elf64_Ehdr))
		return gs_err(err, GOSYM_E_NOT_ELF, "truncated ELF header");
	memcpy(&machine, p + offsetof(Elf64_Ehdr, e_machine), sizeof(machine));
	if (machine != EM_X86_64 && machine != EM_AARCH64)
		return gs_err(err, GOSYM_E_NOT_ELF, "ELF machine %u not supported (x86_64, aarch64)",
			      machine);
	return 0;
}

/* Bytes of [off, off+size) that are inside the file. */
static void file_range(const struct gs_priv *priv, uint64_t off, uint64_t size,
		       const uint8_t **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	if (off >= priv->file_len)
		return;
	*data = priv->file + off;
	*len = size < priv->file_len - off ? (size_t)size : priv->file_len - (size_t)off;
}

/* No section headers (sstrip'ed): one pseudo-section per PT_LOAD segment. */
static int load_segments(struct gosym_binary *bin, struct gosym_err *err)
{
	struct gs_priv *priv = bin->priv;
	size_t phnum, n = 0;

	if (elf_getphdrnum(priv->elf, &phnum) || phnum == 0)
		return gs_err(err, GOSYM_E_NOT_GO, "ELF has neither sections nor segments");
	if (phnum > 65535)
		return gs_err(err, GOSYM_E_NOT_ELF, "ELF: too many program headers");
	priv->secs = calloc(phnum, sizeof(*priv->secs));
	if (!priv->secs)
		return gs_err(err, GOSYM_E_NOMEM, "out of memory");
	for (size_t i = 0; i < phnum; i++) {
		struct gs_section *s = &priv->secs[n];
		GElf_Phdr ph;

		if (!gelf_getphdr(priv->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		s->name = "(segment)";
		s->addr = ph.p_vaddr;
		s->size = ph.p_memsz;
		s->type = SHT_PROGBITS;
		s->flags = SHF_ALLOC | (ph.p_flags & PF_X ? SHF_EXECINSTR : 0) |
			   (ph.p_flags & PF_W ? SHF_WRITE : 0);
		file_range(priv, ph.p_offset, ph.p_filesz < ph.p_memsz ? ph.p_filesz : ph.p_memsz,
			   &s->data, &s->data_len);
		n++;
	}
	priv->nsecs = n;
	return 0;
}

/* Find the Go build ID note (name "Go", type 4) among the notes in p. */
static void parse_notes(struct gosym_binary *bin, const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (len - off >= 12) {
		uint32_t namesz, descsz, type;
		size_t name, desc, next;

		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		name = off + 12;
		if (namesz > len - name)
			return;
		desc = name + (((size_t)namesz + 3) & ~(size_t)3);
		if (desc > len || descsz > len - desc)
			return;
		next = desc + (((size_t)descsz + 3) & ~(size_t)3);
		if (type == 4 && namesz == 4 && !memcmp(p + name, "Go\0", 3) && descsz) {
			/* The ID is printable; stop at a NUL if one is there. */
			size_t n = strnlen((const char *)p + desc, descsz);

			bin->build_id = gs_strndup(bin, (const char *)p + desc, n);
			return;
		}
		if (next <= off || next > len)
			return;
		off = next;
	}
}

static void load_build_id(struct gosym_binary *bin)
{
	const struct gs_priv *priv = bin->priv;
	const struct gs_section *s = gs_elf_section(bin, ".note.go.buildid");
	size_t phnum;

	if (s && s->data) {
		parse_notes(bin, s->data, s->data_len);
		return;
	}
	/* No section names: the PT_NOTE segments. */
	if (elf_getphdrnum(priv->elf, &phnum))
		return;
	for (size_t i = 0; i < phnum && i < 65536 && !bin->build_id; i++) {
		const uint8_t *data;
		size_t len;
		GElf_Phdr ph;

		if (!gelf_getphdr(priv->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		file_range(priv, ph.p_offset, ph.p_filesz, &data, &len);
		if (data)
			parse_notes(bin, data, len);
	}
}

int gs_elf_load(struct gosym_binary *bin, struct gosym_err *err)
{
	struct gs_priv *priv = bin->priv;
	size_t shnum, shstrndx, n = 0;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	int ret;

	ret = check_ident(priv->file, priv->file_len, err);
	if (ret)
		return ret;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return gs_err(err, GOSYM_E_NOT_ELF, "libelf: %s", elf_errmsg(-1));
	/* libelf takes a non-const image; it does not write to it for a
	 * native-endian ELF64 (checked above). */
	priv->elf = elf_memory((char *)priv->file, priv->file_len);
	if (!priv->elf)
		return gs_err(err, GOSYM_E_NOT_ELF, "libelf: %s", elf_errmsg(-1));
	if (elf_kind(priv->elf) != ELF_K_ELF || !gelf_getehdr(priv->elf, &eh))
		return gs_err(err, GOSYM_E_NOT_ELF, "not an ELF file");
	priv->machine = eh.e_machine;
	bin->pie = eh.e_type == ET_DYN;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return gs_err(err, GOSYM_E_NOT_ELF, "ELF type %u is not an executable",
			      eh.e_type);

	if (elf_getshdrnum(priv->elf, &shnum))
		return gs_err(err, GOSYM_E_NOT_ELF, "libelf: %s", elf_errmsg(-1));
	if (shnum > 65535 * 4)
		return gs_err(err, GOSYM_E_NOT_ELF, "ELF: too many sections");
	if (shnum == 0) {
		bin->stripped = true;
		ret = load_segments(bin, err);
		if (!ret)
			load_build_id(bin);
		return ret;
	}
	if (elf_getshdrstrndx(priv->elf, &shstrndx))
		shstrndx = SHN_UNDEF;

	priv->secs = calloc(shnum, sizeof(*priv->secs));
	if (!priv->secs)
		return gs_err(err, GOSYM_E_NOMEM, "out of memory");
	while ((scn = elf_nextscn(priv->elf, scn)) && n < shnum) {
		struct gs_section *s = &priv->secs[n];
		GElf_Shdr sh;
		const char *name = NULL;

		/* Keep secs[i] = section i + 1 even for a bad header:
		 * gs_elf_symbol finds the string table by index. */
		if (!gelf_getshdr(scn, &sh)) {
			s->name = "";
			n++;
			continue;
		}
		if (shstrndx != SHN_UNDEF)
			name = elf_strptr(priv->elf, shstrndx, sh.sh_name);
		s->name = name ? name : "";
		s->addr = sh.sh_addr;
		s->size = sh.sh_size;
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		if (sh.sh_type != SHT_NOBITS)
			file_range(priv, sh.sh_offset, sh.sh_size, &s->data, &s->data_len);
		n++;
	}
	priv->nsecs = n;
	bin->stripped = gs_elf_section(bin, ".symtab") == NULL;
	load_build_id(bin);
	return 0;
}

const struct gs_section *gs_elf_section(const struct gosym_binary *bin, const char *name)
{
	const struct gs_priv *priv = bin->priv;

	for (size_t i = 0; i < priv->nsecs; i++)
		if (!strcmp(priv->secs[i].name, name))
			return &priv->secs[i];
	return NULL;
}

bool gs_elf_vaddr(const struct gosym_binary *bin, uint64_t addr, size_t len, struct gs_buf *out)
{
	const struct gs_priv *priv = bin->priv;

	out->p = NULL;
	out->len = 0;
	for (size_t i = 0; i < priv->nsecs; i++) {
		const struct gs_section *s = &priv->secs[i];
		uint64_t off;

		if (!(s->flags & SHF_ALLOC) || s->type == SHT_NOBITS || !s->data ||
		    addr < s->addr || addr - s->addr >= s->data_len)
			continue;
		off = addr - s->addr;
		out->p = s->data + off;
		out->len = s->data_len - (size_t)off;
		if (out->len > len)
			out->len = len;
		return true;
	}
	return false;
}

bool gs_elf_symbol(const struct gosym_binary *bin, const char *name, uint64_t *value)
{
	const struct gs_priv *priv = bin->priv;
	const struct gs_section *sym = NULL, *str = NULL;
	size_t namelen = strlen(name);
	Elf_Scn *scn;
	GElf_Shdr sh;

	for (size_t i = 0; i < priv->nsecs; i++) {
		if (priv->secs[i].type == SHT_SYMTAB) {
			sym = &priv->secs[i];
			break;
		}
	}
	if (!sym || !sym->data)
		return false;
	/* The linked string table, by index: sections are loaded in order. */
	scn = elf_getscn(priv->elf, (size_t)(sym - priv->secs) + 1);
	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_link == 0 || sh.sh_link > priv->nsecs)
		return false;
	str = &priv->secs[sh.sh_link - 1];
	if (!str->data)
		return false;

	for (size_t off = 0; off + sizeof(Elf64_Sym) <= sym->data_len; off += sizeof(Elf64_Sym)) {
		Elf64_Sym s;

		memcpy(&s, sym->data + off, sizeof(s));
		if (s.st_name >= str->data_len || str->data_len - s.st_name <= namelen)
			continue;
		if (memcmp(str->data + s.st_name, name, namelen + 1))
			continue;
		if (s.st_shndx == SHN_UNDEF)
			continue;
		*value = s.st_value;
		return true;
	}
	return false;
}
