#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/schema.h"
#include "wire/members.h"
#include "wire/openai.h"

json_object *
openai_request_of(json_object *rec, char *err, size_t errlen)
{
	json_object *body = json_get(rec, "request");

	if (!body) {
		if (!json_get(rec, "messages")) {
			snprintf(err, errlen, "record has no \"request\" object (nor a bare "
			         "body with \"messages\")");
			return NULL;
		}
		body = rec;
	}
	if (!json_object_is_type(body, json_type_object)) {
		snprintf(err, errlen, "\"request\" is not a JSON object");
		return NULL;
	}
	if (!json_object_is_type(json_get(body, "messages"), json_type_array)) {
		snprintf(err, errlen, "request has no \"messages\" array");
		return NULL;
	}
	return body;
}

void
openai_apply(json_object *body, const struct openai_overrides *o)
{
	if (o->model)
		json_set(body, "model", json_object_new_string(o->model));
	if (o->temperature)
		json_set(body, "temperature", json_ref(o->temperature));
	if (o->max_tokens >= 0)
		json_set(body, "max_tokens", json_object_new_int64(o->max_tokens));
	if (o->json_object_format) {
		json_object *rf = json_object_new_object();

		json_set(rf, "type", json_object_new_string("json_object"));
		json_set(body, "response_format", rf);
	}
	if (o->response_format)
		json_set(body, "response_format", json_ref(o->response_format));
	if (o->stream >= 0)
		openai_set_stream(body, o->stream);
}

void
openai_set_stream(json_object *body, int on)
{
	json_object *so;

	if (!on) {
		json_object_object_del(body, "stream");
		json_object_object_del(body, "stream_options");
		return;
	}
	so = json_get(body, "stream_options");
	json_set(body, "stream", json_object_new_boolean(1));
	if (!json_object_is_type(so, json_type_object)) {
		so = json_object_new_object();
		json_set(body, "stream_options", so);
	}
	json_set(so, "include_usage", json_object_new_boolean(1));
}

json_object *
openai_schema_format(json_object *schema, const char *name)
{
	json_object *rf = json_object_new_object(), *js = json_object_new_object();

	json_set(js, "name", json_object_new_string(name));
	json_set(js, "schema", json_ref(schema));
	json_set(js, "strict", json_object_new_boolean(1));
	json_set(rf, "type", json_object_new_string("json_schema"));
	json_set(rf, "json_schema", js);
	return rf;
}

void
openai_schema_name(const char *path, char *out, size_t outlen)
{
	const char *base = strrchr(path, '/');
	size_t i, n = 0;

	base = base ? base + 1 : path;
	for (i = 0; base[i] && base[i] != '.' && n < 64 && n + 1 < outlen; i++)
		out[n++] = isalnum((unsigned char)base[i]) || base[i] == '-' ? base[i] : '_';
	out[n] = '\0';
	if (n == 0)
		snprintf(out, outlen, "schema");
}

int
openai_schema_refused(long status, const char *body, size_t len)
{
	static const char name[] = "response_format";
	size_t i, n = sizeof name - 1;

	if (status != 400)
		return 0;
	for (i = 0; i + n <= len; i++)
		if (strncasecmp(body + i, name, n) == 0)
			return 1;
	return 0;
}

json_object *
openai_schema_fallback(json_object *body)
{
	json_object *copy = NULL, *msgs, *first, *rf = json_object_new_object();
	json_object *schema;
	struct buf text = {0};
	const char *sys;

	if (json_object_deep_copy(body, &copy, NULL) < 0)
		eprintf("json-c: out of memory");
	schema = schema_asked(copy);
	buf_adds(&text, "Answer with JSON alone: one JSON value that follows this JSON Schema.\n");
	buf_adds(&text, json_object_to_json_string_ext(schema, JSON_C_TO_STRING_PLAIN |
	                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
	msgs = json_get(copy, "messages");
	first = json_object_array_get_idx(msgs, 0);
	sys = json_get_str(first, "role");
	if (sys && strcmp(sys, "system") == 0 && json_get_str(first, "content")) {
		struct buf both = {0};

		buf_addf(&both, "%s\n\n%s", json_get_str(first, "content"), text.data);
		json_set(first, "content", json_object_new_string_len(both.data, (int)both.len));
		buf_free(&both);
	} else {
		/* json-c 0.16 has no insert: the messages again, after it */
		json_object *m = json_object_new_object(), *all = json_object_new_array();
		size_t i, n = json_object_array_length(msgs);

		json_set(m, "role", json_object_new_string("system"));
		json_set(m, "content", json_object_new_string_len(text.data, (int)text.len));
		json_object_array_add(all, m);
		for (i = 0; i < n; i++)
			json_object_array_add(all, json_ref(json_object_array_get_idx(msgs, i)));
		json_set(copy, "messages", all);
	}
	buf_free(&text);
	json_set(rf, "type", json_object_new_string("json_object"));
	json_set(copy, "response_format", rf);
	return copy;
}

/* The members a result record takes from a completion body, at their
 * three levels: the body, its choices, a choice's message.  A field more
 * is a key here and a line in fill() or put_choice(). */
enum { T_ERROR, T_CHOICES, T_MODEL, T_USAGE, T_FINGERPRINT, T_N };
enum { C_MESSAGE, C_FINISH, C_LOGPROBS, C_N };
enum { M_CONTENT, M_TOOL_CALLS, M_REASONING_CONTENT, M_REASONING, M_N };

static struct member_keys top_keys, choice_keys, message_keys;
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

static void
make_keys(void)
{
	static const char *const t[T_N] = {"error", "choices", "model", "usage",
	                                   "system_fingerprint"};
	static const char *const c[C_N] = {"message", "finish_reason", "logprobs"};
	static const char *const m[M_N] = {"content", "tool_calls", "reasoning_content",
	                                   "reasoning"};

	member_keys_init(&top_keys, t, T_N);
	member_keys_init(&choice_keys, c, C_N);
	member_keys_init(&message_keys, m, M_N);
}

/* A string member as a new json-c string, or NULL when it is none. */
static json_object *
str_value(struct members *o, int i)
{
	size_t n;
	const char *t = member_str(o, i, &n);

	return t ? json_object_new_string_len(t, (int)n) : NULL;
}

/* What one choice says, into dst in this order: content, tool_calls,
 * reasoning (when asked for), finish_reason. */
static void
put_choice(json_object *dst, struct members *choice, struct members *msg, int reasoning)
{
	json_object *v;

	if (!(v = str_value(msg, M_CONTENT)))
		v = json_object_new_string("");
	json_set(dst, "content", v);
	v = member_value(msg, M_TOOL_CALLS);
	if (json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0)
		json_set(dst, "tool_calls", v);
	else
		json_object_put(v);
	/* reasoning_content (DeepSeek, vLLM, llama.cpp) or reasoning (Ollama,
	 * OpenRouter) */
	v = NULL;
	if (reasoning && !(v = str_value(msg, M_REASONING_CONTENT)))
		v = str_value(msg, M_REASONING);
	if (v && json_object_get_string_len(v) > 0)
		json_set(dst, "reasoning", v);
	else
		json_object_put(v);
	json_set(dst, "finish_reason", str_value(choice, C_FINISH));
}

/* The record's fields, in their order: model, content, tool_calls,
 * reasoning, finish_reason, usage, then what only some servers or some
 * requests get: logprobs (the first choice's, as sent), system_fingerprint. */
static void
fill(json_object *res, struct members *top, struct members *choice, struct members *msg)
{
	json_object *v;

	if ((v = member_value(top, T_MODEL)))
		json_set(res, "model", v);
	put_choice(res, choice, msg, 1);
	if ((v = member_value(top, T_USAGE)))
		json_set(res, "usage", v);
	if (member_present(choice, C_LOGPROBS))
		json_set(res, "logprobs", member_value(choice, C_LOGPROBS));
	if ((v = member_value(top, T_FINGERPRINT)))
		json_set(res, "system_fingerprint", v);
}

static json_object *
choice_json(struct members *choice, struct members *msg)
{
	json_object *o = json_object_new_object();

	put_choice(o, choice, msg, 0);
	return o;
}

/* With n > 1 the server sends more choices than the first (whose
 * members are first and msg): then every one of them goes into the
 * record's "choices", in the order sent.  The usual answer, one choice,
 * costs one look past it. */
static void
more_choices(json_object *res, struct member_iter *it, struct members *first,
             struct members *msg)
{
	struct members c, m;
	json_object *all;

	if (!members_next(it, &c, &choice_keys))
		return;
	all = json_object_new_array();
	json_object_array_add(all, choice_json(first, msg));
	do {
		members_open(&m, &c, C_MESSAGE, &message_keys);
		json_object_array_add(all, choice_json(&c, &m));
		members_free(&m);
		members_free(&c);
	} while (members_next(it, &c, &choice_keys));
	json_set(res, "choices", all);
}

int
openai_parse_completion(const char *body, size_t len, json_object *res, struct llm_error *e)
{
	struct members top, choice, msg;
	struct member_iter it;
	json_object *v;
	char why[ERRLEN];
	int rc = -1;

	pthread_once(&keys_once, make_keys);
	if (members_of(&top, body, len, &top_keys, why, sizeof why) < 0) {
		llm_error_set(e, "protocol", 1, "response is not valid JSON: %s", why);
		return -1;
	}
	if ((v = member_value(&top, T_ERROR))) {
		const char *m = json_get_str(v, "message");

		llm_error_set(e, "protocol", 0, "server sent an error with status 200: %s",
		              m ? m : json_object_get_string(v));
		json_object_put(v);
	} else if (members_iter(&it, &top, T_CHOICES) < 0) {
		llm_error_set(e, "protocol", 0, "response has no \"choices\" array");
	} else {
		if (!members_next(&it, &choice, &choice_keys)) {
			llm_error_set(e, "protocol", 0, "response has an empty \"choices\" array");
		} else {
			if (!members_open(&msg, &choice, C_MESSAGE, &message_keys)) {
				llm_error_set(e, "protocol", 0, "response choice has no \"message\"");
			} else {
				fill(res, &top, &choice, &msg);
				more_choices(res, &it, &choice, &msg);
				rc = 0;
			}
			members_free(&msg);
			members_free(&choice);
		}
		members_iter_free(&it);
	}
	members_free(&top);
	return rc;
}

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* An HTTP date (RFC 9110: IMF-fixdate, and the obsolete RFC 850 and
 * asctime forms) to a time_t; -1 when it is none. */
static time_t
http_date(const char *s)
{
	char mon[4], wday[16], tz[4];
	int d, y, hh, mm, ss, i;
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%15[A-Za-z], %d %3s %d %d:%d:%d %3s", wday, &d, mon, &y, &hh, &mm, &ss, tz) == 8) {
		/* IMF-fixdate */
	} else if (sscanf(s, "%15[A-Za-z], %d-%3s-%d %d:%d:%d %3s", wday, &d, mon, &y, &hh, &mm, &ss, tz) == 8) {
		y += y < 70 ? 2000 : 1900;	/* RFC 850 */
	} else if (sscanf(s, "%15[A-Za-z] %3s %d %d:%d:%d %d", wday, mon, &d, &hh, &mm, &ss, &y) == 7) {
		strcpy(tz, "GMT");	/* asctime */
	} else
		return -1;
	if (strcmp(tz, "GMT") != 0 && strcmp(tz, "UTC") != 0)
		return -1;
	for (i = 0; i < 12 && strcasecmp(mon, months[i]) != 0; i++)
		;
	if (i == 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 || y < 1900 || y > 9999)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = i;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	return timegm(&tm);
}

/* A non-negative decimal number of the whole header, or NAN: digits
 * with at most one '.', as delta-seconds are digits; no exponent, no
 * hex ("1e3" is not a thousand seconds), which strtod alone would take. */
static double
header_number(const char *s)
{
	const char *p;
	char *end;
	double v;

	while (isspace((unsigned char)*s))
		s++;
	p = s + strspn(s, "0123456789");
	if (*p == '.')
		p += 1 + strspn(p + 1, "0123456789");
	if (p == s || (p == s + 1 && *s == '.'))
		return NAN;
	v = strtod(s, &end);
	if (end != p)
		return NAN;
	while (isspace((unsigned char)*end))
		end++;
	return *end || !isfinite(v) || v < 0 ? NAN : v;
}

/* A wait in whole ms, cut to OPENAI_WAIT_MAX_MS (a long long holds it). */
static long long
wait_ms(double ms)
{
	return ms > (double)OPENAI_WAIT_MAX_MS ? OPENAI_WAIT_MAX_MS : (long long)ceil(ms);
}

long long
openai_retry_after(const struct retry_headers *h, time_t now)
{
	double v;

	if (h->retry_after_ms && !isnan(v = header_number(h->retry_after_ms)))
		return wait_ms(v);
	if (h->retry_after) {
		time_t t;

		if (!isnan(v = header_number(h->retry_after)))
			return wait_ms(v * 1000.0);
		if ((t = http_date(h->retry_after)) != -1)
			return t > now ? wait_ms((double)(t - now) * 1000.0) : 0;
	}
	return -1;
}

int
openai_status_retryable(long status)
{
	return status == 408 || status == 409 || status == 429 || status >= 500;
}

/* Does OpenAI's error object say the quota is spent (its type or its
 * code insufficient_quota)? */
static int
quota_spent(json_object *err)
{
	const char *t = json_get_str(err, "type"), *c = json_get_str(err, "code");

	return (t && !strcmp(t, "insufficient_quota")) || (c && !strcmp(c, "insufficient_quota"));
}

/* The message of an error body: OpenAI's {"error":{"message"}}, Ollama's
 * {"error":"..."}, {"message"} or {"detail"} (FastAPI servers), else the
 * start of the body itself; *quota set when it says the quota is spent. */
static void
error_message(char *out, size_t outlen, const char *body, size_t len, int *quota)
{
	char why[ERRLEN];
	json_object *doc = len ? json_parse(body, len, why, sizeof why) : NULL;
	json_object *err = json_get(doc, "error");
	const char *m = NULL;

	*quota = json_object_is_type(err, json_type_object) && quota_spent(err);
	if (json_object_is_type(err, json_type_string))
		m = json_object_get_string(err);
	else if (err)
		m = json_get_str(err, "message");
	if (!m)
		m = json_get_str(doc, "message");
	if (!m)
		m = json_get_str(doc, "detail");
	if (m)
		snprintf(out, outlen, "%s", m);
	else
		snprintf(out, outlen, "%.*s", (int)(len < 300 ? len : 300), body);
	json_object_put(doc);
}

static const char *
reason(long status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

void
openai_http_error(struct llm_error *e, long status, const char *body, size_t len,
                  const struct retry_headers *h, time_t now)
{
	char msg[ERRLEN - 64];
	const char *r = reason(status);
	int quota;

	error_message(msg, sizeof msg, body, len, &quota);
	one_line(msg, sizeof msg - 1);
	llm_error_set(e, "http", openai_status_retryable(status), "HTTP %ld%s%s%s%s", status,
	              *r ? " " : "", r, msg[0] ? ": " : "", msg);
	e->http_status = (int)status;
	if (quota && status == 429) {
		/* a spent quota comes back no sooner for waiting: no retry,
		 * whatever x-should-retry or Retry-After say */
		e->kind = "quota";
		e->retryable = 0;
		e->retry_after_ms = -1;
		return;
	}
	if (h->should_retry) {
		if (strcasecmp(h->should_retry, "true") == 0)
			e->retryable = 1;
		else if (strcasecmp(h->should_retry, "false") == 0)
			e->retryable = 0;
	}
	e->retry_after_ms = openai_retry_after(h, now);
}

int
openai_needs_other_model(const char *kind, long status, const char *message)
{
	if (!kind)
		return 0;
	if (strcmp(kind, "quota") == 0)
		return 1;
	if (strcmp(kind, "http") != 0)
		return 0;
	return status == 404 ||
	       (status == 400 && message && (strcasestr(message, "context_length_exceeded") ||
	                                     strcasestr(message, "context length") ||
	                                     strcasestr(message, "maximum context")));
}
