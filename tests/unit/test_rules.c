/* test_rules.c — loading rules/ (the shipped files, and broken copies that must be refused
 * with a one-line message naming the file, the line and the fix), lock API look-ups and
 * project lock wrappers. Rules load once per process, so each broken copy is tried in a
 * child process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/rules.h"
#include "common/util.h"

static const char good_json[] =
	"[{\"id\": \"data-race\", \"severity\": \"error\", \"cwe\": \"CWE-362\", \"name\": \"DataRace\","
	" \"short\": \"s\", \"help\": \"h\", \"tags\": [\"concurrency\"]}]";
static const char good_locks[] = "# comment\n\npthread_mutex_lock\tacquire\tmutex\texcl\t0\t-\n";
static const char good_unsafe[] = "strtok\tstrtok_r\tkeeps its position\n";

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	free(path);
}

/* rules_load in a child with TSAFE_RULES_DIR = a temp dir holding these files (NULL: absent).
 * Returns the child's error message, or NULL when it loaded. */
static char *load_in_child(const char *json, const char *locks, const char *unsafe)
{
	char dir[] = "/tmp/tsafe-rules-XXXXXX";
	assert_non_null(mkdtemp(dir));
	const char *names[] = {"rules.json", "locks.tsv", "mt-unsafe.tsv"};
	const char *texts[] = {json, locks, unsafe};
	for (int i = 0; i < 3; i++)
		if (texts[i])
			write_file(dir, names[i], texts[i]);
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd[0]);
		setenv("TSAFE_RULES_DIR", dir, 1);
		char *err = NULL;
		int rc = rules_load(&err);
		if (rc != 0 && err && write(fd[1], err, strlen(err)) < 0)
			_exit(3);
		_exit(rc == 0 ? 0 : 1);
	}
	close(fd[1]);
	char buf[1024];
	ssize_t n = read(fd[0], buf, sizeof buf - 1);
	close(fd[0]);
	int status;
	waitpid(pid, &status, 0);
	for (int i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 0)
		return NULL;
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_null(strchr(buf, '\n'));   /* one line */
	return xstrdup(buf);
}

static void expect_error(const char *json, const char *locks, const char *unsafe,
                         const char *where, const char *what)
{
	char *err = load_in_child(json, locks, unsafe);
	if (!err)
		fail_msg("broken rules were accepted (expected '%s')", what);
	if (!strstr(err, where) || !strstr(err, what))
		fail_msg("message '%s' lacks '%s' or '%s'", err, where, what);
	free(err);
}

static void test_temp_copy_loads(void **state)
{
	(void)state;
	assert_null(load_in_child(good_json, good_locks, good_unsafe));
}

static void test_broken_copies_refused(void **state)
{
	(void)state;
	expect_error(good_json,
	             "# op misspelt on line 3\n\npthread_mutex_lock\taquire\tmutex\texcl\t0\t-\n",
	             good_unsafe, "locks.tsv:3:", "unknown op 'aquire' (expected acquire|try|release");
	expect_error(good_json, "pthread_mutex_lock\tacquire\tmutex\texcl\t0\n", good_unsafe,
	             "locks.tsv:1:", "expected 6 tab-separated");
	expect_error(good_json, "f\tacquire\tfutex\texcl\t0\t-\n", good_unsafe, "locks.tsv:1:",
	             "unknown kind 'futex'");
	expect_error(good_json, "f\tcond-wait\tmutex\texcl\t0\t-\n", good_unsafe, "locks.tsv:1:",
	             "needs the index of its mutex argument");
	expect_error("[{\"id\": \"x\", \"severity\": \"fatal\", \"short\": \"s\", \"help\": \"h\"}]",
	             good_locks, good_unsafe, "rules.json", "severity 'fatal'");
	expect_error("[{\"id\": \"x\"", good_locks, good_unsafe, "rules.json", "invalid JSON");
	expect_error(good_json, good_locks, "strtok\tonly two fields\n", "mt-unsafe.tsv:1:",
	             "expected 3 or 4 tab-separated");
	expect_error(NULL, good_locks, good_unsafe, "rules.json", "TSAFE_RULES_DIR");
}

/* ---- the shipped rules/ (this process loads them once) ---- */

static void test_shipped_lock_api(void **state)
{
	(void)state;
	char *err = NULL;
	if (rules_load(&err) != 0)
		fail_msg("%s", err);
	const struct lock_api *a = lockapi_find("pthread_mutex_trylock");
	assert_non_null(a);
	assert_int_equal(a->op, LOP_TRY);
	assert_int_equal(a->kind, LK_MUTEX);
	assert_int_equal(a->lock_arg, 0);
	assert_int_equal(a->mutex_arg, -1);

	a = lockapi_find("pthread_rwlock_tryrdlock");
	assert_true(a->shared && a->op == LOP_TRY && a->kind == LK_RWLOCK);
	a = lockapi_find("pthread_rwlock_unlock");
	assert_true(a->op == LOP_RELEASE && !a->shared);
	a = lockapi_find("pthread_mutex_timedlock");
	assert_true(a->op == LOP_TRY && a->timed);
	a = lockapi_find("pthread_cond_timedwait");
	assert_true(a->op == LOP_COND_WAIT && a->timed && a->lock_arg == 0 && a->mutex_arg == 1);
	a = lockapi_find("cnd_wait");
	assert_true(a->op == LOP_COND_WAIT && !a->timed && a->mutex_arg == 1);
	a = lockapi_find("sem_wait");
	assert_true(a->op == LOP_ACQUIRE && a->kind == LK_SEM);
	assert_int_equal(lockapi_find("sem_post")->op, LOP_RELEASE);
	assert_int_equal(lockapi_find("pthread_spin_lock")->kind, LK_SPIN);
	assert_int_equal(lockapi_find("mtx_timedlock")->op, LOP_TRY);
	assert_int_equal(lockapi_find("pthread_mutex_destroy")->op, LOP_DESTROY);
	assert_int_equal(lockapi_find("cnd_broadcast")->op, LOP_COND_SIGNAL);
	assert_null(lockapi_find("printf"));
	assert_null(lockapi_find(NULL));
}

static void test_wrappers_and_catalogue(void **state)
{
	(void)state;
	char *err = NULL;
	if (rules_load(&err) != 0)
		fail_msg("%s", err);
	char name[] = "acct_lock";
	struct lock_api w = {.func = name, .op = LOP_ACQUIRE, .kind = LK_WRAPPER, .mutex_arg = -1};
	lockapi_add(&w);
	strcpy(name, "xxxx_xxxx");   /* lockapi_add copies */
	const struct lock_api *a = lockapi_find("acct_lock");
	assert_non_null(a);
	assert_int_equal(a->kind, LK_WRAPPER);
	assert_int_equal(a->op, LOP_ACQUIRE);

	const struct rule_info *r = rule_find("data-race");
	assert_non_null(r);
	assert_string_equal(r->severity, "error");
	int n;
	assert_non_null(rules_all(&n));
	assert_true(n >= 1);
	assert_null(rule_find("no-such-rule"));
	assert_non_null(mt_unsafe_find("strtok"));
	assert_non_null(mt_unsafe_find("strtok")->replacement);
	assert_null(mt_unsafe_find("strtok_r"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_temp_copy_loads),
		cmocka_unit_test(test_broken_copies_refused),
		cmocka_unit_test(test_shipped_lock_api),
		cmocka_unit_test(test_wrappers_and_catalogue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
