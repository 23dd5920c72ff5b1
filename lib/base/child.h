/* child: run a command with pipes to its standard input and output —
 * for programs that drive a long-running record-speaking command
 * (llm-retry, llm-runner).
 *
 * The command's standard error is inherited.  The ends kept by the parent
 * are non-blocking and close-on-exec, so they never leak into the
 * command or a later one; the command starts with SIGPIPE, SIGINT and
 * SIGTERM at their defaults and nothing blocked, whatever the parent set.
 */
#ifndef LLM_CHILD_H
#define LLM_CHILD_H

#include <stddef.h>
#include <sys/types.h>

enum {
	CHILD_PIPE_IN = 1,	/* c->in writes to its standard input */
	CHILD_PIPE_OUT = 2,	/* c->out reads its standard output */
};

struct child {
	pid_t pid;		/* 0: not running */
	int in;			/* -1 when closed or not piped */
	int out;		/* -1 when closed or not piped */
	int status;		/* waitpid status once it has ended */
};

/* Start argv[0] (searched in PATH) with the pipes flags asks for; the
 * other streams are inherited.  0, or -1 with err ("cmd: No such file or
 * directory") when it cannot be started. */
int child_spawn(struct child *c, char *const argv[], int flags, char *err, size_t errlen);
/* The same with the environment envp (borrowed) instead of ours. */
int child_spawn_env(struct child *c, char *const argv[], int flags, char *const envp[],
                    char *err, size_t errlen);

void child_close_in(struct child *c);
void child_close_out(struct child *c);

/* Send sig when it is running. */
void child_signal(struct child *c, int sig);

/* Wait up to timeout_ms (-1: as long as it takes) for it to end.  1 when
 * it has ended (c->status set, c->pid 0), 0 when it runs on or a signal
 * came in while waiting. */
int child_wait(struct child *c, int timeout_ms);

/* Close the pipes, wait up to grace_ms for it to end, then SIGKILL it and
 * reap it. */
void child_end(struct child *c, int grace_ms);

/* Write p[*off..len) to its input as far as the pipe takes it: 0, or
 * -1 when the command closed its input. */
int child_write_some(struct child *c, const char *p, size_t len, size_t *off);

/* Wait until its output is readable or its input writable (when
 * writing): 0, or -1 when deadline (now_ms_f's clock) passed. */
int child_wait_io(struct child *c, int writing, double deadline);

/* "exited with status 3", "was killed by signal 9 (Killed)". */
const char *child_status_text(int status, char *buf, size_t len);

/* The status as a shell gives it: the exit code, or 128 + signal. */
int child_exit_code(int status);

#endif
