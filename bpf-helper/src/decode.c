#include "decode.h"
#include "kpn.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static void put_sockaddr(struct jw *w, const uint8_t *b, int len)
{
	uint16_t fam, port;
	char addr[INET6_ADDRSTRLEN];

	jw_obj(w);
	if (len < 2) {
		jw_end_obj(w);
		return;
	}
	memcpy(&fam, b, 2);
	if (fam == AF_INET && len >= 8) {
		memcpy(&port, b + 2, 2);
		inet_ntop(AF_INET, b + 4, addr, sizeof(addr));
		jw_kstr(w, "family", "AF_INET");
		jw_kstr(w, "addr", addr);
		jw_kint(w, "port", ntohs(port));
	} else if (fam == AF_INET6 && len >= 24) {
		memcpy(&port, b + 2, 2);
		inet_ntop(AF_INET6, b + 8, addr, sizeof(addr));
		jw_kstr(w, "family", "AF_INET6");
		jw_kstr(w, "addr", addr);
		jw_kint(w, "port", ntohs(port));
	} else if (fam == AF_UNIX) {
		jw_kstr(w, "family", "AF_UNIX");
		jw_key(w, "path");
		jw_strn(w, (const char *)b + 2, strnlen((const char *)b + 2, len - 2));
	} else {
		jw_kint(w, "family", fam);
	}
	jw_end_obj(w);
}

static uint64_t read_uint(const uint8_t *p, unsigned size)
{
	uint8_t v8; uint16_t v16; uint32_t v32; uint64_t v64;
	switch (size) {
	case 1: memcpy(&v8, p, 1); return v8;
	case 2: memcpy(&v16, p, 2); return v16;
	case 4: memcpy(&v32, p, 4); return v32;
	default: memcpy(&v64, p, 8); return v64;
	}
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
	if (size >= 8)
		return (int64_t)v;
	unsigned bits = size * 8;
	uint64_t m = 1ULL << (bits - 1);
	return (int64_t)((v ^ m) - m);
}

/* JSON numbers are doubles: beyond 2^53 a value is sent as a hex string to stay exact. */
static void put_int(struct jw *w, uint64_t v, bool is_signed, unsigned size)
{
	if (is_signed) {
		int64_t s = sign_extend(v, size);
		if (s > -(1LL << 53) && s < (1LL << 53))
			jw_int(w, s);
		else
			jw_hex(w, v);
	} else if (v < (1ULL << 53)) {
		jw_uint(w, v);
	} else {
		jw_hex(w, v);
	}
}

static void put_tp_fields(const struct kpn_link *l, const struct kpn_event *e, struct jw *w)
{
	const struct tp_format *fmt = l->fmt;

	jw_key(w, "fields");
	jw_obj(w);
	for (int i = 0; i < fmt->nfields; i++) {
		const struct tp_field *f = &fmt->f[i];
		if (!strncmp(f->name, "common_", 7) || f->offset + f->size > e->raw_len)
			continue;
		const uint8_t *p = e->raw + f->offset;
		int slot = l->user_field[0] == i ? 0 : l->user_field[1] == i ? 1 : -1;
		jw_key(w, f->name);
		switch (f->kind) {
		case TPF_INT:
			put_int(w, read_uint(p, f->size), f->is_signed, f->size);
			break;
		case TPF_PTR:
			if (slot >= 0 && e->user_len[slot] > 0) {
				int n = e->user_len[slot] > (int)KPN_USER_MAX ? KPN_USER_MAX : e->user_len[slot];
				if (f->user == TPU_SOCKADDR) {
					put_sockaddr(w, e->user[slot], n);
				} else {
					jw_strn(w, (const char *)e->user[slot], strnlen((const char *)e->user[slot], n));
				}
			} else {
				jw_hex(w, read_uint(p, 8));
			}
			break;
		case TPF_CHARS:
			jw_strn(w, (const char *)p, strnlen((const char *)p, f->size));
			break;
		case TPF_DATA_LOC_STR: {
			uint32_t loc = (uint32_t)read_uint(p, 4);
			unsigned off = loc & 0xffff, len = loc >> 16;
			if (off < e->raw_len) {
				/* a string running past the copied part of the record is cut there */
				unsigned n = off + len <= e->raw_len ? len : e->raw_len - off;
				jw_strn(w, (const char *)e->raw + off, strnlen((const char *)e->raw + off, n));
			} else {
				jw_null(w); /* the string lies past the copied part of the record */
			}
			break;
		}
		default:
			jw_null(w);
		}
	}
	jw_end_obj(w);
}

int decode_event(const struct kpn_link *l, const void *data, size_t size, struct ksyms *ks, struct jw *w)
{
	const struct kpn_event *e = data;
	static const char *kinds[] = { "?", "entry", "exit", "tracepoint", "generated", "generated_exit" };

	if (size < sizeof(*e) || e->nvals > KPN_MAX_VALS || e->raw_len > KPN_RAW_MAX || e->kind > KPN_EV_GEN_EXIT)
		return -1;
	jw_obj(w);
	jw_kstr(w, "type", "event");
	jw_kint(w, "link", l->id);
	jw_kstr(w, "kind", kinds[e->kind]);
	jw_kuint(w, "ts_ns", e->ts_ns);
	jw_kuint(w, "pid", e->pid);
	jw_kuint(w, "tid", e->tid);
	jw_key(w, "comm");
	jw_strn(w, e->comm, strnlen(e->comm, KPN_COMM_LEN));
	if (e->kind == KPN_EV_ENTRY) {
		jw_key(w, "args");
		jw_arr(w);
		for (unsigned i = 0; i < e->nvals; i++)
			jw_hex(w, e->vals[i]);
		jw_end_arr(w);
	} else if (e->kind == KPN_EV_GEN || e->kind == KPN_EV_GEN_EXIT) {
		jw_key(w, "vals");
		jw_arr(w);
		for (unsigned i = 0; i < e->nvals; i++)
			jw_hex(w, e->vals[i]);
		jw_end_arr(w);
		jw_key(w, "strs");
		jw_arr(w);
		for (int s = 0; s < KPN_USER_SLOTS; s++) {
			if (e->user_len[s] > 0)
				jw_strn(w, (const char *)e->user[s], strnlen((const char *)e->user[s], KPN_USER_MAX));
			else
				jw_null(w);
		}
		jw_end_arr(w);
		if (e->kind == KPN_EV_GEN_EXIT) {
			jw_key(w, "ret");
			put_int(w, e->ret, true, 8);
		}
	} else if (e->kind == KPN_EV_EXIT) {
		jw_key(w, "ret");
		put_int(w, e->ret, true, 8);
		if (e->lat_ns)
			jw_kuint(w, "lat_ns", e->lat_ns);
	} else if (l->fmt) {
		put_tp_fields(l, e, w);
	}
	if (e->stack_sz > 0) {
		int n = e->stack_sz / 8;
		jw_key(w, "stack");
		jw_arr(w);
		for (int i = 0; i < n && i < KPN_STACK_MAX; i++) {
			const struct ksym *s = ks ? ksyms_by_addr(ks, e->stack[i]) : NULL;
			char b[320];
			if (s)
				snprintf(b, sizeof(b), "%s+0x%llx", s->name, (unsigned long long)(e->stack[i] - s->addr));
			else
				snprintf(b, sizeof(b), "0x%llx", (unsigned long long)e->stack[i]);
			jw_str(w, b);
		}
		jw_end_arr(w);
	}
	jw_end_obj(w);
	return 0;
}
