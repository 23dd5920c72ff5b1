#include <pthread.h>
#include <stddef.h>

#include "base/util.h"
#include "text/msgredact.h"
#include "text/redact.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct redact *red;
static int failed;
/* set while this thread is inside the filter: a message said from in
 * there (pcre2 out of memory) passes as it is instead of waiting on the
 * lock this thread holds */
static _Thread_local int busy;

static void
filter(char *line, size_t size)
{
	char err[ERRLEN];

	if (busy)
		return;
	busy = 1;
	pthread_mutex_lock(&lock);
	if (!red && !failed) {
		red = redact_new();
		if (redact_load_default(red, err, sizeof err) < 0) {
			redact_free(red);
			red = NULL;
			failed = 1;
		}
	}
	if (red)
		redact_cstr(red, line, size);
	pthread_mutex_unlock(&lock);
	busy = 0;
}

void
redact_messages(void)
{
	set_message_filter(filter);
}
