/* The status table, the error body and the helpers every part of the
 * mock shares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json/json.h"
#include "mock/mock_internal.h"

static const struct mock_status_row statuses[] = {
	{ 400, "Bad Request", "invalid_request_error", NULL, 1, "invalid_request_error" },
	{ 401, "Unauthorized", "authentication_error", "invalid_api_key", 1, "authentication_error" },
	{ 403, "Forbidden", "permission_error", NULL, 1, "permission_error" },
	{ 404, "Not Found", "not_found_error", "model_not_found", 1, "not_found_error" },
	{ 405, "Method Not Allowed", "invalid_request_error", NULL, 0, "invalid_request_error" },
	{ 408, "Request Timeout", "timeout_error", NULL, 1, "invalid_request_error" },
	{ 409, "Conflict", "conflict_error", NULL, 1, "invalid_request_error" },
	{ 413, "Payload Too Large", "invalid_request_error", NULL, 0, "request_too_large" },
	{ 429, "Too Many Requests", "rate_limit_error", "rate_limit_exceeded", 1, "rate_limit_error" },
	{ 500, "Internal Server Error", "server_error", NULL, 1, "api_error" },
	{ 502, "Bad Gateway", "server_error", NULL, 1, "api_error" },
	{ 503, "Service Unavailable", "server_error", NULL, 1, "api_error" },
	{ 504, "Gateway Timeout", "server_error", NULL, 1, "api_error" },
	/* Anthropic's "overloaded" */
	{ 529, "Overloaded", "overloaded_error", NULL, 1, "overloaded_error" },
};

const struct mock_status_row *
mock_status_row(int code)
{
	static const struct mock_status_row
		server = { 0, "Server Error", "server_error", NULL, 0, "api_error" },
		client = { 0, "Error", "invalid_request_error", NULL, 0, "invalid_request_error" };
	size_t i;

	for (i = 0; i < NELEM(statuses); i++)
		if (statuses[i].code == code)
			return &statuses[i];
	return code >= 500 ? &server : &client;
}

long long
mock_tokens(size_t bytes)
{
	return (long long)((bytes + 3) / 4);
}

void
mock_http_date(time_t t, char *out, size_t outlen)
{
	/* names spelled out: strftime's %a and %b follow the locale */
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
	         tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	         tm.tm_sec);
}


double
mock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
mock_error_json(struct buf *out, const char *msg, const char *type, const char *code)
{
	buf_adds(out, "{\"error\":{\"message\":");
	json_quote(out, msg, strlen(msg));
	buf_adds(out, ",\"type\":");
	json_quote(out, type, strlen(type));
	buf_adds(out, ",\"param\":null,\"code\":");
	if (code)
		json_quote(out, code, strlen(code));
	else
		buf_adds(out, "null");
	buf_adds(out, "}}");
}

void
mock_tools_free(struct mock_tool *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(t[i].name);
		free(t[i].args);
		t[i].name = t[i].args = NULL;
	}
}
