/* The commands llm-runner talks to over pipes: the record-speaking chat
 * command, one request at a time, and a tool's mock_exec. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/runner_internal.h"

static void
chat_gone(struct runner *r, struct run *u, const char *what)
{
	char how[128];

	child_end(&r->ch, RUNNER_GRACE_MS);
	r->running = 0;
	run_fail(u, "io", "the chat command %s %s %s", r->o.chat[0],
	         child_status_text(r->ch.status, how, sizeof how), what);
}

static int
ensure_chat(struct runner *r, struct run *u)
{
	char err[ERRLEN];

	if (r->running)
		return 0;
	if (child_spawn(&r->ch, r->o.chat, CHILD_PIPE_IN | CHILD_PIPE_OUT, err, sizeof err) < 0) {
		run_fail(u, "io", "cannot start the chat command: %s", err);
		return -1;
	}
	rec_reader_free(&r->rd);
	rec_reader_init(&r->rd, r->ch.out, r->o.chat[0], 0);
	r->running = 1;
	return 0;
}

json_object *
rn_exchange(struct runner *r, struct run *u, const char *line, size_t len, const char *id)
{
	char err[ERRLEN];
	double deadline = now_ms_f() + r->o.turn_ms;
	size_t off = 0;
	json_object *rec;

	if (ensure_chat(r, u) < 0)
		return NULL;
	for (;;) {
		if (off < len && child_write_some(&r->ch, line, len, &off) < 0)
			off = len;	/* it closed its input: its output tells the rest */
		switch (rec_next(&r->rd, &rec, err, sizeof err)) {
		case REC_OK: {
			const char *rid = json_get_str(rec, "id");

			if (rid && !strcmp(rid, id))
				return rec;
			json_object_put(rec);	/* not ours: a stray answer */
			continue;
		}
		case REC_BAD:
			continue;	/* a line that is no record */
		case REC_EOF:
			chat_gone(r, u, "before answering");
			return NULL;
		case REC_IOERR:
			child_signal(&r->ch, SIGKILL);
			chat_gone(r, u, err);
			return NULL;
		case REC_AGAIN:
			break;
		}
		if (child_wait_io(&r->ch, off < len, deadline) < 0) {
			child_signal(&r->ch, SIGTERM);
			child_end(&r->ch, RUNNER_GRACE_MS);
			r->running = 0;
			run_fail(u, "timeout", "no answer from the chat command in %.0f ms",
			         r->o.turn_ms);
			return NULL;
		}
	}
}

/* Read what c's output holds into out: 1 at its end, 0, or -1 when it
 * is over RUNNER_MAX_RESULT. */
static int
read_some(struct child *c, struct buf *out)
{
	char tmp[65536];

	for (;;) {
		ssize_t k = read(c->out, tmp, sizeof tmp);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : 1;
		if (k == 0)
			return 1;
		if (out->len + (size_t)k > RUNNER_MAX_RESULT)
			return -1;
		buf_add(out, tmp, (size_t)k);
	}
}

/* Our environment without the API tokens: a tool's mock_exec is the
 * scenario's code, and has no business with the model's credentials.
 * Gone are LLM_API_TOKEN, OPENAI_API_KEY and every variable whose value
 * is a token of cfg (a provider's token_env names any variable).  The
 * array is allocated, its strings borrowed. */
static char **
tool_env(const struct config *cfg)
{
	static const char *const drop[] = {"LLM_API_TOKEN=", "OPENAI_API_KEY=", NULL};
	size_t n = 0, k = 0, i;
	char **env;

	while (environ[n])
		n++;
	env = ecalloc(n + 1, sizeof *env);
	for (i = 0; i < n; i++) {
		const char *const *d;

		for (d = drop; *d && strncmp(environ[i], *d, strlen(*d)) != 0; d++)
			;
		if (!*d && !(strchr(environ[i], '=') &&
		             config_is_token(cfg, strchr(environ[i], '=') + 1)))
			env[k++] = environ[i];
	}
	return env;
}

int
rn_exec(const struct config *cfg, char **argv, const char *input, size_t len, double timeout_ms, struct buf *out,
        char *err, size_t errlen)
{
	struct child c;
	char how[128];
	double deadline = now_ms_f() + timeout_ms;
	size_t off = 0;
	int rc;
	char **env = tool_env(cfg);

	buf_reset(out);
	rc = child_spawn_env(&c, argv, CHILD_PIPE_IN | CHILD_PIPE_OUT, env, err, errlen);
	free(env);
	if (rc < 0)
		return -1;
	for (;;) {
		if (c.in >= 0 && (child_write_some(&c, input, len, &off) < 0 || off == len))
			child_close_in(&c);	/* all written, or it does not read */
		if ((rc = read_some(&c, out)) != 0)
			break;
		if (child_wait_io(&c, c.in >= 0, deadline) < 0) {
			snprintf(err, errlen, "%s: no result in %.0f ms", argv[0], timeout_ms);
			goto kill;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: output over %u bytes", argv[0], RUNNER_MAX_RESULT);
		goto kill;
	}
	child_close_out(&c);
	if (!child_wait(&c, poll_ms(deadline - now_ms_f()))) {
		snprintf(err, errlen, "%s: did not end in %.0f ms", argv[0], timeout_ms);
		goto kill;
	}
	if (c.status != 0) {
		snprintf(err, errlen, "%s %s", argv[0], child_status_text(c.status, how, sizeof how));
		return -1;
	}
	return 0;
kill:
	child_signal(&c, SIGKILL);
	child_end(&c, 0);
	return -1;
}
