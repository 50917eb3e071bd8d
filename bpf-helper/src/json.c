#include "json.h"
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *s;
	size_t n, i;
	struct jreq *r;
	char *err;
	size_t errlen;
	int depth;
};

static int fail(struct parser *p, const char *msg)
{
	snprintf(p->err, p->errlen, "%s at byte %zu", msg, p->i);
	return -1;
}

static void skip_ws(struct parser *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\r' || p->s[p->i] == '\n'))
		p->i++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static char *arena_put(struct parser *p, size_t need)
{
	if (p->r->used + need > sizeof(p->r->arena))
		return NULL;
	char *d = p->r->arena + p->r->used;
	p->r->used += need;
	return d;
}

/* Decodes into the arena when keep is set. NUL bytes are refused: every string here ends up
 * as a C string (a name, a path) and must not be silently truncated. */
static int parse_string(struct parser *p, bool keep, const char **out)
{
	char *d = NULL;
	size_t o = 0;

	p->i++; /* opening quote */
	if (keep && !(d = arena_put(p, (p->n - p->i) + 1)))
		return fail(p, "request too large");
	while (p->i < p->n) {
		unsigned char c = p->s[p->i++];
		if (c == '"') {
			if (keep) {
				d[o] = 0;
				p->r->used = (size_t)(d - p->r->arena) + o + 1; /* give back the unused reserve */
				*out = d;
			}
			return 0;
		}
		if (c < 0x20)
			return fail(p, "control character in string");
		if (c != '\\') {
			if (keep) d[o++] = c;
			continue;
		}
		if (p->i >= p->n)
			break;
		c = p->s[p->i++];
		switch (c) {
		case '"': case '\\': case '/': if (keep) d[o++] = c; break;
		case 'b': if (keep) d[o++] = '\b'; break;
		case 'f': if (keep) d[o++] = '\f'; break;
		case 'n': if (keep) d[o++] = '\n'; break;
		case 'r': if (keep) d[o++] = '\r'; break;
		case 't': if (keep) d[o++] = '\t'; break;
		case 'u': {
			unsigned cp = 0;
			if (p->i + 4 > p->n)
				return fail(p, "short \\u escape");
			for (int k = 0; k < 4; k++) {
				int h = hexval(p->s[p->i++]);
				if (h < 0)
					return fail(p, "bad \\u escape");
				cp = cp << 4 | h;
			}
			if (cp == 0)
				return fail(p, "NUL in string");
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd; /* surrogates: nothing here needs astral characters */
			if (keep) {
				if (cp < 0x80) {
					d[o++] = cp;
				} else if (cp < 0x800) {
					d[o++] = 0xc0 | cp >> 6;
					d[o++] = 0x80 | (cp & 0x3f);
				} else {
					d[o++] = 0xe0 | cp >> 12;
					d[o++] = 0x80 | ((cp >> 6) & 0x3f);
					d[o++] = 0x80 | (cp & 0x3f);
				}
			}
			break;
		}
		default:
			return fail(p, "bad escape");
		}
	}
	return fail(p, "unterminated string");
}

static int parse_value(struct parser *p, struct jmember *m);

static int parse_container(struct parser *p, char close, bool object)
{
	if (++p->depth > 16)
		return fail(p, "nesting too deep");
	p->i++;
	skip_ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		p->depth--;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (p->i >= p->n || p->s[p->i] != '"')
				return fail(p, "expected a key");
			if (parse_string(p, false, NULL))
				return -1;
			skip_ws(p);
			if (p->i >= p->n || p->s[p->i] != ':')
				return fail(p, "expected ':'");
			p->i++;
		}
		if (parse_value(p, NULL))
			return -1;
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			p->depth--;
			return 0;
		}
		return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int parse_literal(struct parser *p, const char *lit)
{
	size_t l = strlen(lit);
	if (p->n - p->i < l || memcmp(p->s + p->i, lit, l))
		return fail(p, "unexpected token");
	p->i += l;
	return 0;
}

static int parse_number(struct parser *p, double *out)
{
	size_t start = p->i;
	char buf[64];

	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
		return fail(p, "bad number");
	while (p->i < p->n && ((p->s[p->i] >= '0' && p->s[p->i] <= '9') || p->s[p->i] == '.' ||
			       p->s[p->i] == 'e' || p->s[p->i] == 'E' || p->s[p->i] == '+' || p->s[p->i] == '-'))
		p->i++;
	if (p->i - start >= sizeof(buf))
		return fail(p, "number too long");
	memcpy(buf, p->s + start, p->i - start);
	buf[p->i - start] = 0;
	char *end;
	double v = strtod(buf, &end);
	if (*end || !isfinite(v))
		return fail(p, "bad number");
	*out = v;
	return 0;
}

static int parse_value(struct parser *p, struct jmember *m)
{
	struct jmember dummy;

	if (!m)
		m = &dummy;
	skip_ws(p);
	if (p->i >= p->n)
		return fail(p, "expected a value");
	switch (p->s[p->i]) {
	case '"': m->type = J_STR; return parse_string(p, m != &dummy, &m->str);
	case '{': m->type = J_OBJECT; return parse_container(p, '}', true);
	case '[': m->type = J_ARRAY; return parse_container(p, ']', false);
	case 't': m->type = J_BOOL; m->b = true; return parse_literal(p, "true");
	case 'f': m->type = J_BOOL; m->b = false; return parse_literal(p, "false");
	case 'n': m->type = J_NULL; return parse_literal(p, "null");
	default: m->type = J_NUM; return parse_number(p, &m->num);
	}
}

int json_parse_request(const char *s, size_t n, struct jreq *r, char *err, size_t errlen)
{
	struct parser p = { .s = s, .n = n, .r = r, .err = err, .errlen = errlen };

	r->n = 0;
	r->used = 0;
	skip_ws(&p);
	if (p.i >= n || s[p.i] != '{')
		return fail(&p, "a request is a JSON object");
	p.i++;
	skip_ws(&p);
	if (p.i < n && s[p.i] == '}') {
		p.i++;
	} else {
		for (;;) {
			struct jmember *m;
			skip_ws(&p);
			if (p.i >= n || s[p.i] != '"')
				return fail(&p, "expected a key");
			if (r->n >= JSON_MAX_MEMBERS)
				return fail(&p, "too many members");
			m = &r->m[r->n];
			memset(m, 0, sizeof(*m));
			if (parse_string(&p, true, &m->key))
				return -1;
			for (int k = 0; k < r->n; k++)
				if (!strcmp(r->m[k].key, m->key))
					return fail(&p, "duplicate key");
			skip_ws(&p);
			if (p.i >= n || s[p.i] != ':')
				return fail(&p, "expected ':'");
			p.i++;
			if (parse_value(&p, m))
				return -1;
			r->n++;
			skip_ws(&p);
			if (p.i < n && s[p.i] == ',') {
				p.i++;
				continue;
			}
			if (p.i < n && s[p.i] == '}') {
				p.i++;
				break;
			}
			return fail(&p, "expected ',' or '}'");
		}
	}
	skip_ws(&p);
	if (p.i != n)
		return fail(&p, "trailing data after the object");
	return 0;
}

const struct jmember *json_get(const struct jreq *r, const char *key)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->m[i].key, key))
			return &r->m[i];
	return NULL;
}

const char *json_get_str(const struct jreq *r, const char *key)
{
	const struct jmember *m = json_get(r, key);
	return m && m->type == J_STR ? m->str : NULL;
}

int json_get_int(const struct jreq *r, const char *key, int64_t min, int64_t max, int64_t *v)
{
	const struct jmember *m = json_get(r, key);
	if (!m || m->type == J_NULL)
		return 0;
	if (m->type != J_NUM || m->num != floor(m->num) || m->num < (double)min || m->num > (double)max)
		return -1;
	*v = (int64_t)m->num;
	return 1;
}

/* ---- writer ---- */

static void put(struct jw *w, const char *s, size_t n)
{
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 1024;
		while (cap < w->len + n + 1)
			cap *= 2;
		char *b = realloc(w->buf, cap);
		if (!b)
			abort(); /* out of memory in a 24 GiB box means something is badly wrong */
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = 0;
}

static void sep(struct jw *w)
{
	if (w->depth > 0 && w->need_comma[w->depth])
		put(w, ",", 1);
	if (w->depth > 0)
		w->need_comma[w->depth] = true;
}

void jw_init(struct jw *w) { memset(w, 0, sizeof(*w)); }
void jw_free(struct jw *w) { free(w->buf); memset(w, 0, sizeof(*w)); }
void jw_reset(struct jw *w) { w->len = 0; w->depth = 0; if (w->buf) w->buf[0] = 0; }

static void open_c(struct jw *w, const char *c)
{
	sep(w);
	put(w, c, 1);
	if (w->depth < 31)
		w->depth++;
	w->need_comma[w->depth] = false;
}

void jw_obj(struct jw *w) { open_c(w, "{"); }
void jw_arr(struct jw *w) { open_c(w, "["); }
void jw_end_obj(struct jw *w) { put(w, "}", 1); w->depth--; }
void jw_end_arr(struct jw *w) { put(w, "]", 1); w->depth--; }

static void raw_str(struct jw *w, const char *s, size_t n)
{
	char esc[8];
	put(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\'; esc[1] = c;
			put(w, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(w, esc, 6);
		} else if (c >= 0x80) {
			/* kernel strings (comm, paths) are bytes, not UTF-8: keep JSON valid */
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(w, esc, 6);
		} else {
			put(w, (const char *)&c, 1);
		}
	}
	put(w, "\"", 1);
}

void jw_key(struct jw *w, const char *k)
{
	sep(w);
	raw_str(w, k, strlen(k));
	put(w, ":", 1);
	w->need_comma[w->depth] = false; /* the value follows without a comma */
}

#define VALUE_BEGIN(w) sep(w)

void jw_strn(struct jw *w, const char *s, size_t n) { VALUE_BEGIN(w); raw_str(w, s, n); }
void jw_str(struct jw *w, const char *s) { jw_strn(w, s, strlen(s)); }
void jw_int(struct jw *w, int64_t v) { char b[32]; VALUE_BEGIN(w); put(w, b, snprintf(b, sizeof(b), "%" PRId64, v)); }
void jw_uint(struct jw *w, uint64_t v) { char b[32]; VALUE_BEGIN(w); put(w, b, snprintf(b, sizeof(b), "%" PRIu64, v)); }
void jw_hex(struct jw *w, uint64_t v) { char b[32]; VALUE_BEGIN(w); put(w, b, snprintf(b, sizeof(b), "\"0x%" PRIx64 "\"", v)); }
void jw_bool(struct jw *w, bool v) { VALUE_BEGIN(w); put(w, v ? "true" : "false", v ? 4 : 5); }
void jw_raw_value(struct jw *w, const char *json, size_t n) { VALUE_BEGIN(w); put(w, json, n); }
void jw_raw(struct jw *w, const char *s, size_t n) { put(w, s, n); }
void jw_null(struct jw *w) { VALUE_BEGIN(w); put(w, "null", 4); }
void jw_kstr(struct jw *w, const char *k, const char *v) { jw_key(w, k); jw_str(w, v); }
void jw_kint(struct jw *w, const char *k, int64_t v) { jw_key(w, k); jw_int(w, v); }
void jw_kuint(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_uint(w, v); }
void jw_kbool(struct jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }
