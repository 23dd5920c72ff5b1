/* sigwake: a signal told to a poll loop.  The handler records the signal
 * and writes a byte to a pipe that the loop polls, so a signal that comes
 * in between the loop's check and its poll() still wakes it up.
 * One per process.
 */
#ifndef LLM_SIGWAKE_H
#define LLM_SIGWAKE_H

/* Make the pipe (once; dies when it cannot). */
void sigwake_init(void);

/* From a signal handler (async-signal-safe): signo came. */
void sigwake_raise(int signo);

/* The signal that came last, 0 when none did. */
int sigwake_signo(void);

/* The end to poll for POLLIN, and emptying it after. */
int sigwake_fd(void);
void sigwake_drain(void);

#endif
