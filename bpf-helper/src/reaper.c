#include "reaper.h"
#include <pthread.h>
#include <stdbool.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static struct kpn_link *head, *tail;
static bool busy, started, failed;
static pthread_t thread;

static void *run(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (!head)
			pthread_cond_wait(&work, &mu);
		struct kpn_link *l = head;
		head = l->next;
		if (!head)
			tail = NULL;
		busy = true;
		pthread_mutex_unlock(&mu);
		probe_destroy(l);
		pthread_mutex_lock(&mu);
		busy = false;
		if (!head)
			pthread_cond_broadcast(&idle);
	}
	return NULL;
}

void reaper_submit(struct kpn_link *l)
{
	pthread_mutex_lock(&mu);
	if (!started && !failed) {
		failed = pthread_create(&thread, NULL, run, NULL) != 0;
		started = !failed;
		if (started)
			pthread_detach(thread);
	}
	if (failed) {
		pthread_mutex_unlock(&mu);
		probe_destroy(l);
		return;
	}
	l->next = NULL;
	if (tail)
		tail->next = l;
	else
		head = l;
	tail = l;
	pthread_cond_signal(&work);
	pthread_mutex_unlock(&mu);
}

void reaper_drain(void)
{
	pthread_mutex_lock(&mu);
	while (head || busy)
		pthread_cond_wait(&idle, &mu);
	pthread_mutex_unlock(&mu);
}
