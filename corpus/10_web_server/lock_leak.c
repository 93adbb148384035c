/*
 * 10_web_server/lock_leak.c — queue_push() refuses items once the queue is closed, and
 * returns without unlocking on that path.
 * Seed 001 (Concurrency and Multithreading: "one thread accepts new connections, another
 * processes the request, yet another handles writing the response").
 * Bug: lock leaked on an error path; a worker that hits it ends holding the response
 * queue's mutex and the writer then blocks forever. (The run never pushes to a closed
 * queue.)
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
	bool closed;
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

/* Returns -1 when the queue is closed. */
static int queue_push(struct queue *q, const struct msg *m)
{
	pthread_mutex_lock(&q->lock);
	if (q->closed)
		return -1; // tsafe-expect: lock-leak
	while (q->len == QUEUE_CAP)
		pthread_cond_wait(&q->not_full, &q->lock);
	q->items[(q->head + q->len) % QUEUE_CAP] = *m;
	q->len++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* Returns false once the queue is closed and drained. */
static bool queue_pop(struct queue *q, struct msg *out)
{
	pthread_mutex_lock(&q->lock);
	while (q->len == 0 && !q->closed)
		pthread_cond_wait(&q->not_empty, &q->lock);
	bool got = q->len > 0;
	if (got) {
		*out = q->items[q->head];
		q->head = (q->head + 1) % QUEUE_CAP;
		q->len--;
		pthread_cond_signal(&q->not_full);
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}

static void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

static void *acceptor(void *arg)
{
	(void)arg;
	for (int i = 0; i < NREQUESTS; i++) {
		struct msg req = {.id = i};
		snprintf(req.text, sizeof req.text, "%s", paths[i % 4]);
		if (queue_push(&requests, &req) < 0)
			break;
		sleep_ms(1);
	}
	queue_close(&requests);
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
	while (queue_pop(&requests, &req)) {
		handle(&req, &resp);
		if (queue_push(&responses, &resp) < 0)
			break;
	}
	return NULL; /* the leak above, reported once where the lock is left held */
}

static void *writer(void *arg)
{
	int *written = arg;
	struct msg resp;
	while (queue_pop(&responses, &resp)) {
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
		pthread_create(&workers[i], NULL, worker, NULL);
	pthread_create(&accept_thread, NULL, acceptor, NULL);

	sleep_ms(5);
	reload_routes();

	pthread_join(accept_thread, NULL);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(workers[i], NULL);
	queue_close(&responses);
	pthread_join(write_thread, NULL);

	printf("%d responses written\n", written);
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		printf("%-8s %u hits\n", routes[i].path, atomic_load(&routes[i].hits));
	return 0;
}
