# Generate a soak plan: awk -v dir=D -v n=QUERIES -v seed=S -v mode=chat|stream -f gen.awk
#
# Writes D/A/Output/p1/plan.toml (five models x n queries), one query file
# per query in D/A/Input/, each carrying a fault for llm-mock drawn from
# the table below, and D/expected.tsv: query id, status, error kind, HTTP
# status and content that every one of its five results must have once
# llm-retry is done with it.  The draw is a Park-Miller generator of its
# own, so a seed gives the same plan with any awk.
#
# The expected outcome of a fault does not depend on the restarts of the
# mock: a restart forgets the times= counts, so a retryable fault may be
# acted out again (the retries cover it), and a fault that is not
# retryable fails the first attempt that reaches a mock either way.

function rnd(k) {
	state = (state * 16807) % 2147483647
	return state % k
}

# weight, directive, expected status, kind, http status
function fault(w, d, st, kind, http) {
	nf++
	fw[nf] = w; fd[nf] = d; fst[nf] = st; fkind[nf] = kind; fhttp[nf] = http
	total += w
}

BEGIN {
	state = seed % 2147483646 + 1
	for (xs = "x"; length(xs) < 4096; xs = xs xs)
		;
	fault(30, "", "ok", "", "")
	fault(6, "429 retry-after=0 times=1", "ok", "", "")
	fault(4, "429 retry-after-ms=5 times=2", "ok", "", "")
	fault(5, "500 times=2", "ok", "", "")
	fault(3, "502 times=1", "ok", "", "")
	fault(3, "503 retry-after=0 times=1", "ok", "", "")
	fault(3, "504 times=1", "ok", "", "")
	fault(2, "408 times=1", "ok", "", "")
	fault(2, "409 times=1", "ok", "", "")
	fault(2, "503 times=4", "ok", "", "")
	fault(3, "slow ms=20 times=1", "ok", "", "")
	fault(5, "drop times=1", "ok", "", "")
	fault(2, "drop times=2", "ok", "", "")
	fault(4, "invalid-json times=1", "ok", "", "")
	fault(3, "500 times=1]] [[mock:429 retry-after=0 times=1", "ok", "", "")
	fault(3, "reasoning", "ok", "", "")
	fault(3, "huge", "ok", "", "")
	fault(3, "empty-choices times=1", "error", "protocol", "")
	fault(2, "400 times=1", "error", "http", 400)
	fault(2, "401 times=1", "error", "http", 401)
	fault(2, "404 times=1", "error", "http", 404)
	fault(2, "500 should-retry=false times=1", "error", "http", 500)
	fault(2, "429 should-retry=false times=1", "error", "http", 429)
	# longer than llm-retry's --max-retry-after: not waited for
	fault(2, "429 retry-after=600 times=1", "error", "http", 429)
	if (mode == "stream") {
		fault(3, "no-done times=1", "ok", "", "")
		fault(3, "truncate times=1", "ok", "", "")
		fault(3, "stream-error times=1", "ok", "", "")
		fault(1, "sse-crlf", "ok", "", "")
		fault(1, "sse-cr", "ok", "", "")
		fault(1, "sse-nospace", "ok", "", "")
		fault(1, "sse-comments", "ok", "", "")
		fault(1, "sse-fields", "ok", "", "")
		fault(1, "sse-multiline", "ok", "", "")
		fault(1, "sse-filter", "ok", "", "")
	}

	plan = dir "/A/Output/p1/plan.toml"
	expf = dir "/expected.tsv"
	printf "plan_id = \"p1\"\nassistant_id = \"A\"\n[assistant]\n" > plan
	printf "system_prompt = \"soak\"\n[assistant.llm]\n" > plan
	printf "models = [\"m1\", \"m2\", \"m3\", \"m4\", \"m5\"]\n" > plan
	for (i = 0; i < n; i++) {
		q = "q" i
		printf "[[query]]\nid = \"%s\"\n", q > plan
		r = rnd(total)
		for (f = 1; r >= fw[f]; f++)
			r -= fw[f]
		text = "soak " q " w" rnd(1000000)
		d = fd[f]
		content = text
		if (d == "huge") {
			bytes = 100 + rnd(3000)
			d = "huge bytes=" bytes
			content = substr(xs, 1, bytes)
		}
		file = dir "/A/Input/" q
		printf "%s%s\n", text, (d == "" ? "" : " [[mock:" d "]]") > file
		close(file)
		printf "%s\t%s\t%s\t%s\t%s\n", q, fst[f], fkind[f], fhttp[f], content > expf
	}
	close(plan)
	close(expf)
}
