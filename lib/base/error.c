#include <stdarg.h>
#include <stdio.h>

#include "base/error.h"

void
llm_error_set(struct llm_error *e, const char *kind, int retryable, const char *fmt, ...)
{
	va_list ap;

	e->kind = kind;
	e->retryable = retryable;
	e->retry_after_ms = -1;
	e->http_status = 0;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	one_line(e->message, sizeof e->message - 1);
}
