#include "ksyms.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Names live in one growing buffer; pointers are fixed up once loading is over. */
static size_t add_string(struct ksyms *k, const char *s)
{
	size_t l = strlen(s) + 1, off = k->strings_len;
	if (k->strings_len + l > k->strings_cap) {
		size_t cap = k->strings_cap ? k->strings_cap * 2 : 1 << 20;
		while (cap < k->strings_len + l)
			cap *= 2;
		char *n = realloc(k->strings, cap);
		if (!n)
			return (size_t)-1;
		k->strings = n;
		k->strings_cap = cap;
	}
	memcpy(k->strings + off, s, l);
	k->strings_len += l;
	return off;
}

struct ksyms *ksyms_load(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	struct ksyms *k = calloc(1, sizeof(*k));
	size_t cap = 0;
	char line[512];

	if (!f || !k)
		goto fail;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256], mod[256] = "";
		int n = sscanf(line, "%llx %c %255s [%255[^]]]", &addr, &type, name, mod);
		if (n < 3 || (type != 't' && type != 'T' && type != 'w' && type != 'W'))
			continue;
		if (k->n == cap) {
			cap = cap ? cap * 2 : 65536;
			struct ksym *s = realloc(k->syms, cap * sizeof(*s));
			if (!s)
				goto fail;
			k->syms = s;
		}
		size_t no = add_string(k, name), mo = mod[0] ? add_string(k, mod) : (size_t)-1;
		if (no == (size_t)-1)
			goto fail;
		k->syms[k->n].addr = addr;
		k->syms[k->n].name = (char *)(uintptr_t)no;
		k->syms[k->n].module = (char *)(uintptr_t)mo;
		k->n++;
	}
	fclose(f);
	for (size_t i = 0; i < k->n; i++) {
		k->syms[i].name = k->strings + (uintptr_t)k->syms[i].name;
		k->syms[i].module = (uintptr_t)k->syms[i].module == (uintptr_t)-1 ? NULL
				    : k->strings + (uintptr_t)k->syms[i].module;
	}
	qsort(k->syms, k->n, sizeof(*k->syms), cmp_addr);
	return k;
fail:
	if (f)
		fclose(f);
	ksyms_free(k);
	return NULL;
}

void ksyms_free(struct ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->strings);
	free(k);
}

size_t ksyms_find(const struct ksyms *k, const char *name, const struct ksym **out, size_t max)
{
	size_t found = 0;
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->syms[i].name, name)) {
			if (found < max)
				out[found] = &k->syms[i];
			found++;
		}
	return found;
}

size_t ksyms_find_clones(const struct ksyms *k, const char *name, const struct ksym **out, size_t max)
{
	size_t l = strlen(name), found = 0;
	for (size_t i = 0; i < k->n; i++) {
		const char *s = k->syms[i].name;
		if (strncmp(s, name, l) || s[l] != '.' || strstr(s + l, ".cold"))
			continue;
		if (found < max)
			out[found] = &k->syms[i];
		found++;
	}
	return found;
}

const struct ksym *ksyms_by_addr(const struct ksyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->n;
	if (!k->n || addr < k->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (k->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &k->syms[lo];
}
