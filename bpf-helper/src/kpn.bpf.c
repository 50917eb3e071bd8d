// SPDX-License-Identifier: GPL-2.0
/* Generic probes, precompiled: the helper picks one program per attach type, points it at a
 * target at run time, and switches collectors on through the read-only config below. */
#include "kpn_common.bpf.h"

const volatile __u32 cfg_events = 1;      /* one ring buffer event per hit */
const volatile __u32 cfg_comm_counts = 0; /* per pid/comm hit counts */
const volatile __u32 cfg_latency = 0;     /* entry/exit pair -> log2 histogram */
const volatile __u32 cfg_nargs = 0;       /* how many leading arguments to copy */
const volatile __u32 cfg_tp_len = 0;      /* tracepoint record bytes to copy */
/* Record offsets of user-space pointers whose target is copied too (a sockaddr, a path). */
const volatile __s32 cfg_user_off[KPN_USER_SLOTS] = { -1, -1 };
const volatile __u32 cfg_user_len[KPN_USER_SLOTS] = { 0, 0 };
const volatile __u32 cfg_user_str[KPN_USER_SLOTS] = { 0, 0 };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct kpn_comm_key);
	__type(value, __u64);
} comm_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KPN_HIST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8)  { v >>= 8;  r += 8; }
	if (v >> 4)  { v >>= 4;  r += 4; }
	if (v >> 2)  { v >>= 2;  r += 2; }
	if (v >> 1)  { r += 1; }
	return r;
}

static __always_inline void count_comm(void)
{
	struct kpn_comm_key k = {};
	__u64 one = 1, *v;

	k.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	v = bpf_map_lookup_elem(&comm_counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&comm_counts, &k, &one, BPF_NOEXIST);
}

static __always_inline int on_entry(void *ctx, const __u64 *args)
{
	if (!kpn_hit())
		return 0;
	if (cfg_comm_counts)
		count_comm();
	if (cfg_latency) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		__u64 ts = bpf_ktime_get_ns();

		bpf_map_update_elem(&starts, &tid, &ts, BPF_ANY);
	}
	if (cfg_events) {
		struct kpn_event *e = kpn_reserve(ctx, KPN_EV_ENTRY);

		if (!e)
			return 0;
		for (int i = 0; i < KPN_MAX_ARGS; i++)
			e->vals[i] = args[i];
		e->nvals = cfg_nargs;
		kpn_submit(e);
	}
	return 0;
}

static __always_inline int on_exit(void *ctx, __u64 ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 lat = 0, *start;

	if (cfg_latency) {
		start = bpf_map_lookup_elem(&starts, &tid);
		if (!start)
			return 0; /* entry not seen (attached mid-call, or filtered out) */
		lat = bpf_ktime_get_ns() - *start;
		bpf_map_delete_elem(&starts, &tid);
		__u32 slot = log2_u64(lat);
		if (slot >= KPN_HIST_SLOTS)
			slot = KPN_HIST_SLOTS - 1;
		__u64 *v = bpf_map_lookup_elem(&hist, &slot);
		if (v)
			*v += 1;
	} else if (!kpn_hit()) {
		return 0;
	}
	if (cfg_events) {
		struct kpn_event *e = kpn_reserve(ctx, KPN_EV_EXIT);

		if (!e)
			return 0;
		e->ret = ret;
		e->lat_ns = lat;
		kpn_submit(e);
	}
	return 0;
}

#define FILL_ARGS(a, expr)                                   \
	do {                                                 \
		if (cfg_nargs > 0) { int i = 0; a[0] = (expr); } \
		if (cfg_nargs > 1) { int i = 1; a[1] = (expr); } \
		if (cfg_nargs > 2) { int i = 2; a[2] = (expr); } \
		if (cfg_nargs > 3) { int i = 3; a[3] = (expr); } \
		if (cfg_nargs > 4) { int i = 4; a[4] = (expr); } \
	} while (0)

static __always_inline __u64 regs_arg(struct pt_regs *r, int i)
{
	switch (i) {
	case 0: return PT_REGS_PARM1(r);
	case 1: return PT_REGS_PARM2(r);
	case 2: return PT_REGS_PARM3(r);
	case 3: return PT_REGS_PARM4(r);
	default: return PT_REGS_PARM5(r);
	}
}

static __always_inline __u64 func_arg(void *ctx, int i)
{
	__u64 v = 0;

	bpf_get_func_arg(ctx, i, &v);
	return v;
}

SEC("kprobe")
int kpn_kprobe(struct pt_regs *ctx)
{
	__u64 a[KPN_MAX_ARGS] = {};

	FILL_ARGS(a, regs_arg(ctx, i));
	return on_entry(ctx, a);
}

SEC("kretprobe")
int kpn_kretprobe(struct pt_regs *ctx)
{
	return on_exit(ctx, PT_REGS_RC(ctx));
}

SEC("ksyscall")
int BPF_KSYSCALL(kpn_ksyscall, long a0, long a1, long a2, long a3, long a4)
{
	__u64 a[KPN_MAX_ARGS] = { a0, a1, a2, a3, a4 };

	return on_entry(ctx, a);
}

SEC("kretsyscall")
int BPF_KRETPROBE(kpn_kretsyscall, long ret)
{
	return on_exit(ctx, ret);
}

SEC("fentry")
int kpn_fentry(__u64 *ctx)
{
	__u64 a[KPN_MAX_ARGS] = {};

	FILL_ARGS(a, func_arg(ctx, i));
	return on_entry(ctx, a);
}

SEC("fexit")
int kpn_fexit(__u64 *ctx)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	return on_exit(ctx, ret);
}

/* tp_btf and raw_tp: the verifier bounds ctx reads by the tracepoint's argument count,
 * which is why only the first cfg_nargs slots are touched. */
SEC("tp_btf")
int kpn_tp_btf(__u64 *ctx)
{
	__u64 a[KPN_MAX_ARGS] = {};

	FILL_ARGS(a, ctx[i]);
	return on_entry(ctx, a);
}

SEC("raw_tp")
int kpn_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 a[KPN_MAX_ARGS] = {};

	FILL_ARGS(a, ctx->args[i]);
	return on_entry(ctx, a);
}

SEC("tracepoint")
int kpn_tp(void *ctx)
{
	struct kpn_event *e;
	__u32 len = cfg_tp_len;

	if (!kpn_hit())
		return 0;
	if (cfg_comm_counts)
		count_comm();
	if (!cfg_events)
		return 0;
	e = kpn_reserve(ctx, KPN_EV_TP);
	if (!e)
		return 0;
	if (len > KPN_RAW_MAX)
		len = KPN_RAW_MAX;
	if (len && bpf_probe_read_kernel(e->raw, len, ctx) == 0)
		e->raw_len = len;
	for (int s = 0; s < KPN_USER_SLOTS; s++) {
		__s32 off = cfg_user_off[s];
		__u32 ulen = cfg_user_len[s];
		__u64 uptr = 0;

		if (off < 0 || off > KPN_RAW_MAX - 8)
			continue;
		if (ulen > KPN_USER_MAX)
			ulen = KPN_USER_MAX;
		if (bpf_probe_read_kernel(&uptr, sizeof(uptr), (char *)ctx + off) || !uptr)
			continue;
		if (cfg_user_str[s])
			e->user_len[s] = bpf_probe_read_user_str(e->user[s], KPN_USER_MAX, (void *)uptr);
		else if (ulen)
			e->user_len[s] = bpf_probe_read_user(e->user[s], ulen, (void *)uptr) ? -1 : (__s32)ulen;
	}
	kpn_submit(e);
	return 0;
}
