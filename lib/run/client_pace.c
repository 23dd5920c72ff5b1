/* The client's side of pacing (run/pace.h): each endpoint's pace fed
 * from its answers, and the quota that stops an endpoint. */
#include <string.h>
#include <time.h>

#include "run/client_internal.h"

void
client_pace_sent(struct client *c, struct job *j, double now)
{
	j->sent_at = now;
	if (c->o.pace)
		pace_sent(&j->tgt->pace, j->tokens, now);
}

void
client_pace_answer(struct client *c, struct job *j, const struct http_xfer *x)
{
	const char *v[HTTP_NRL];
	struct pace_hdrs h;
	struct retry_headers rh = {
		.retry_after_ms = x->h_retry_after_ms[0] ? x->h_retry_after_ms : NULL,
		.retry_after = x->h_retry_after[0] ? x->h_retry_after : NULL,
	};
	size_t i;

	if (!c->o.pace)
		return;
	for (i = 0; i < HTTP_NRL; i++)
		v[i] = x->h_ratelimit[i];
	pace_hdrs_read(&h, v, (double)time(NULL));
	pace_answer(&j->tgt->pace, http_failure(x) == HTTP_OK ? (int)x->status : 0, &h,
	            x->status == 429 ? openai_retry_after(&rh, time(NULL)) : -1, j->sent_at,
	            now_ms_f());
}

void
client_pace_failed(struct job *j, const struct llm_error *e)
{
	if (j->tgt && e->kind && !strcmp(e->kind, "quota"))
		j->tgt->quota = 1;
}

double
client_pace_wait(struct client *c, struct job *j, struct llm_error *e)
{
	if (j->tgt->quota) {
		llm_error_set(e, "quota", 0, "not sent: an earlier answer of its endpoint said "
		              "the quota is spent (insufficient_quota)");
		return -2;
	}
	return c->o.pace ? pace_wait(&j->tgt->pace, now_ms_f()) : 0;
}

void
client_pace_stats(struct client *c)
{
	size_t i;

	c->st.pace_window = -1;
	c->st.pace_rate = 0;
	if (!c->o.pace)
		return;
	for (i = 0; i <= c->cfg->nprov; i++) {
		const struct pace *p = &c->targets[i].pace;

		if (!c->targets[i].chat_url || !p->informed)
			continue;
		c->st.pace_window = (c->st.pace_window < 0 ? 0 : c->st.pace_window) + (int)p->window;
		c->st.pace_rate += p->rate;
	}
}
