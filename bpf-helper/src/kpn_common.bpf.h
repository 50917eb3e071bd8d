/* Maps and event plumbing shared by the generic object and generated ones. The helper
 * finds these maps by name (events, counters) in any object it loads. */
#ifndef KPN_COMMON_BPF_H
#define KPN_COMMON_BPF_H
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kpn.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the helper before load; the verifier prunes the branches they switch off. */
const volatile __u32 kpn_cfg_tgid = 0;         /* 0: every process */
const volatile __u32 kpn_cfg_self_tgid = 0;    /* the helper itself: never traced (it would feed back) */
const volatile __u32 kpn_cfg_rate_per_cpu = 0; /* events per second per CPU, 0: unlimited */
const volatile __u32 kpn_cfg_stack = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KPN_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct kpn_rate_state {
	__u64 window_start;
	__u64 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kpn_rate_state);
} kpn_rate SEC(".maps");

static __always_inline void kpn_count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (v)
		*v += 1;
}

/* Filters by process and counts the hit; false means: do nothing more. */
static __always_inline bool kpn_hit(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (kpn_cfg_tgid && tgid != kpn_cfg_tgid)
		return false;
	if (kpn_cfg_self_tgid && tgid == kpn_cfg_self_tgid)
		return false;
	kpn_count(KPN_CNT_HITS);
	return true;
}

static __always_inline bool kpn_rate_ok(__u64 now)
{
	__u32 zero = 0;
	struct kpn_rate_state *r;

	if (!kpn_cfg_rate_per_cpu)
		return true;
	r = bpf_map_lookup_elem(&kpn_rate, &zero);
	if (!r)
		return true;
	if (now - r->window_start >= 1000000000ULL) {
		r->window_start = now;
		r->n = 0;
	}
	if (r->n >= kpn_cfg_rate_per_cpu)
		return false;
	r->n++;
	return true;
}

/* Every header field is written: ring buffer memory is recycled, not zeroed. */
static __always_inline struct kpn_event *kpn_reserve(void *ctx, __u32 kind)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 id = bpf_get_current_pid_tgid();
	struct kpn_event *e;

	if (!kpn_rate_ok(now)) {
		kpn_count(KPN_CNT_RATE_LIMITED);
		return NULL;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		kpn_count(KPN_CNT_DROPS);
		return NULL;
	}
	e->ts_ns = now;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->kind = kind;
	e->nvals = 0;
	e->stack_sz = 0;
	e->raw_len = 0;
	e->user_len[0] = 0;
	e->user_len[1] = 0;
	e->ret = 0;
	e->lat_ns = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (kpn_cfg_stack)
		e->stack_sz = bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0);
	return e;
}

static __always_inline void kpn_submit(struct kpn_event *e)
{
	bpf_ringbuf_submit(e, 0);
}

#endif
