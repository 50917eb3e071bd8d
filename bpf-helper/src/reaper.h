/* Tears links down off the request path: closing a perf-event tracepoint link waits for an RCU
 * grace period (40-60 ms measured here), and done inline after a detach reply it held up the
 * next request, typically the next attach. */
#ifndef KPN_REAPER_H
#define KPN_REAPER_H
#include "probe.h"

/* Queues l for probe_destroy on the reaper thread (inline if that thread cannot start).
 * l must already be out of every list the main loop reads. */
void reaper_submit(struct kpn_link *l);
/* Returns once everything submitted is destroyed: "bye" still means nothing is attached. */
void reaper_drain(void);

#endif
