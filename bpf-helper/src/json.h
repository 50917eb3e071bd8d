/* Just enough JSON for the protocol: requests are one flat object per line; replies and
 * events are written with a small builder. */
#ifndef KPN_JSON_H
#define KPN_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_MEMBERS 32

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARRAY, J_OBJECT };

struct jmember {
	const char *key;
	enum jtype type;
	const char *str; /* J_STR: decoded, NUL-terminated */
	double num;
	bool b;
};

struct jreq {
	int n;
	struct jmember m[JSON_MAX_MEMBERS];
	char arena[65536 * 2 + 64]; /* decoded keys and strings never outgrow twice the line */
	size_t used;
};

/* 0 on success; otherwise err holds a message. Nested values are checked but not kept. */
int json_parse_request(const char *s, size_t n, struct jreq *out, char *err, size_t errlen);
const struct jmember *json_get(const struct jreq *r, const char *key);
const char *json_get_str(const struct jreq *r, const char *key);
/* 1 found and integral, 0 absent, -1 present but not an integer in [min,max]. */
int json_get_int(const struct jreq *r, const char *key, int64_t min, int64_t max, int64_t *v);

struct jw {
	char *buf;
	size_t len, cap;
	int depth;
	bool need_comma[32];
};

void jw_init(struct jw *w);
void jw_free(struct jw *w);
void jw_reset(struct jw *w);
void jw_obj(struct jw *w);
void jw_end_obj(struct jw *w);
void jw_arr(struct jw *w);
void jw_end_arr(struct jw *w);
void jw_key(struct jw *w, const char *k);
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_hex(struct jw *w, uint64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A value that is already JSON (built by another writer). */
void jw_raw_value(struct jw *w, const char *json, size_t n);
/* Bytes outside the JSON structure, e.g. the line terminator. */
void jw_raw(struct jw *w, const char *s, size_t n);
void jw_kstr(struct jw *w, const char *k, const char *v);
void jw_kint(struct jw *w, const char *k, int64_t v);
void jw_kuint(struct jw *w, const char *k, uint64_t v);
void jw_kbool(struct jw *w, const char *k, bool v);

#endif
