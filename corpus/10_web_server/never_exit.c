/*
 * 10_web_server/never_exit.c — the workers loop forever; main cannot join them and simply
 * returns once the writer has written every response.
 * Seed 001 (Concurrency and Multithreading: "Infinite Loops: poorly designed concurrency
 * logic can cause infinite loops if there's no way for threads to exit gracefully").
 * Bug: the request queue has no close, so the worker threads never end and are never
 * joined (killed mid-request when main returns).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { QUEUE_CAP = 16, NWORKERS = 3, NREQUESTS = 12 };

struct msg {
	int id;
	int status;
	char text[48];
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct msg items[QUEUE_CAP];
	int head, len;
};

#define QUEUE_INIT {.lock = PTHREAD_MUTEX_INITIALIZER, .not_empty = PTHREAD_COND_INITIALIZER, \
		    .not_full = PTHREAD_COND_INITIALIZER}

struct route {
	const char *path;
	int status;
	const char *body;
	atomic_uint hits;
};

static struct queue requests = QUEUE_INIT, responses = QUEUE_INIT;
static pthread_rwlock_t routes_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct route routes[] = {
	{.path = "/", .status = 200, .body = "welcome"},
	{.path = "/about", .status = 200, .body = "about us"},
	{.path = "/status", .status = 200, .body = "ok"},
};
static const char *const paths[] = {"/", "/about", "/status", "/missing"};

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void queue_push(struct queue *q, const struct msg *m)
{
	pthread_mutex_lock(&q->lock);
	while (q->len == QUEUE_CAP)
		pthread_cond_wait(&q->not_full, &q->lock);
	q->items[(q->head + q->len) % QUEUE_CAP] = *m;
	q->len++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

/* Blocks until an item is available. */
static void queue_pop(struct queue *q, struct msg *out)
{
	pthread_mutex_lock(&q->lock);
	while (q->len == 0)
		pthread_cond_wait(&q->not_empty, &q->lock);
	*out = q->items[q->head];
	q->head = (q->head + 1) % QUEUE_CAP;
	q->len--;
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->lock);
}

static void *acceptor(void *arg)
{
	(void)arg;
	for (int i = 0; i < NREQUESTS; i++) {
		struct msg req = {.id = i};
		snprintf(req.text, sizeof req.text, "%s", paths[i % 4]);
		queue_push(&requests, &req);
		sleep_ms(1);
	}
	return NULL;
}

static void handle(const struct msg *req, struct msg *resp)
{
	resp->id = req->id;
	resp->status = 404;
	snprintf(resp->text, sizeof resp->text, "not found");
	pthread_rwlock_rdlock(&routes_lock);
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (strcmp(routes[i].path, req->text) == 0) {
			atomic_fetch_add(&routes[i].hits, 1);
			resp->status = routes[i].status;
			snprintf(resp->text, sizeof resp->text, "%s", routes[i].body);
			break;
		}
	}
	pthread_rwlock_unlock(&routes_lock);
}

static void *worker(void *arg)
{
	(void)arg;
	struct msg req, resp;
	for (;;) {
		queue_pop(&requests, &req);
		handle(&req, &resp);
		queue_push(&responses, &resp);
	}
	return NULL;
}

static void *writer(void *arg)
{
	int *written = arg;
	struct msg resp;
	while (*written < NREQUESTS) {
		queue_pop(&responses, &resp);
		printf("response %d: %d %s\n", resp.id, resp.status, resp.text);
		(*written)++;
	}
	return NULL;
}

static void reload_routes(void)
{
	pthread_rwlock_wrlock(&routes_lock);
	routes[2].body = "ok, reloaded";
	pthread_rwlock_unlock(&routes_lock);
}

int main(void)
{
	pthread_t accept_thread, workers[NWORKERS], write_thread;
	int written = 0;

	pthread_create(&write_thread, NULL, writer, &written);
	for (int i = 0; i < NWORKERS; i++)
		pthread_create(&workers[i], NULL, worker, NULL); // tsafe-expect: thread-leak
	pthread_create(&accept_thread, NULL, acceptor, NULL);

	sleep_ms(5);
	reload_routes();

	pthread_join(accept_thread, NULL);
	pthread_join(write_thread, NULL);

	printf("%d responses written\n", written);
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		printf("%-8s %u hits\n", routes[i].path, atomic_load(&routes[i].hits));
	return 0;
}
