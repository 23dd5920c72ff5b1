/*
 * curl-alone: the least a libcurl client can do, as a yardstick for
 * llm-chat in tests/bench/chat.sh.  It POSTs one fixed body N times with J
 * transfers in flight, through the textbook multi loop (curl_multi_perform
 * and curl_multi_poll, easy handles reused so connections are kept, the
 * URL parsed once), and throws the answers away: no records read, no JSON
 * parsed or written.
 *
 * Whatever llm-chat does on top of libcurl can only add to this, so its
 * req/s is the most any client built on libcurl (DESIGN.md's HTTP library)
 * reaches against the same server in the same run.
 *
 * usage: curl-alone J N URL BODY   (exits 1 unless every answer was a 200)
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

int
main(int argc, char *argv[])
{
	CURLM *multi;
	CURL **easy;
	struct curl_slist *headers = NULL;
	CURLU *url;
	long jobs, left, total, ok = 0, i;
	int running = 1;

	if (argc != 5 || (jobs = strtol(argv[1], NULL, 10)) < 1 ||
	    (left = strtol(argv[2], NULL, 10)) < 0) {
		fprintf(stderr, "usage: curl-alone J N URL BODY\n");
		return 2;
	}
	total = left;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	easy = calloc((size_t)jobs, sizeof *easy);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	url = curl_url();
	if (!multi || !easy || !headers || !url ||
	    curl_url_set(url, CURLUPART_URL, argv[3], 0) != CURLUE_OK)
		return 1;
	for (i = 0; i < jobs; i++) {
		if (!(easy[i] = curl_easy_init()))
			return 1;
		curl_easy_setopt(easy[i], CURLOPT_CURLU, url);
		curl_easy_setopt(easy[i], CURLOPT_POSTFIELDS, argv[4]);
		curl_easy_setopt(easy[i], CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, discard);
		if (left > 0) {
			curl_multi_add_handle(multi, easy[i]);
			left--;
		}
	}
	while (running) {
		CURLMsg *m;
		int queued;

		curl_multi_perform(multi, &running);
		while ((m = curl_multi_info_read(multi, &queued))) {
			long status = 0;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			ok += m->data.result == CURLE_OK && status == 200;
			curl_multi_remove_handle(multi, m->easy_handle);
			if (left > 0) {
				curl_multi_add_handle(multi, m->easy_handle);
				left--;
				running = 1;
			}
		}
		if (running)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	}
	for (i = 0; i < jobs; i++)
		curl_easy_cleanup(easy[i]);
	curl_slist_free_all(headers);
	curl_url_cleanup(url);
	curl_multi_cleanup(multi);
	free(easy);
	curl_global_cleanup();
	if (ok != total) {
		fprintf(stderr, "curl-alone: %ld of %ld answers were not 200\n", total - ok, total);
		return 1;
	}
	return 0;
}
