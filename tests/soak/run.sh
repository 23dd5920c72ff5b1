#!/bin/sh
# make soak: the fault soak of llm-chat and of llm-stream, 100,000
# requests each through llm-plan | llm-retry, seven minutes at most in
# all: each soak is stopped, and fails, after 140 s.  See soak.sh.
# Then the interrupt soak: a plan stopped by SIGINT and SIGTERM at random
# points, with -k and without, and resumed (interrupt.sh), 90 s at most.
# Then the batch soak, once for each batch API (OpenAI's, Anthropic's):
# llm-batch run killed with SIGKILL at 20 random points and resumed,
# some answers lost on the way back (batch.sh), 120 s at most each.
# SOAK_SEED picks another draw of faults (default 1).
BUILD=${BUILD:-build}
export BUILD
here=$(cd "$(dirname "$0")" && pwd)
start=$(date +%s)
rc=0
for prog in llm-chat llm-stream; do
	timeout 140 sh "$here/soak.sh" "$prog" 20000 "${SOAK_SEED:-1}"
	st=$?
	[ $st -eq 124 ] && echo "soak $prog: FAIL: not done in 140 s"
	[ $st -ne 0 ] && rc=1
	echo
done
timeout 90 sh "$here/interrupt.sh" 200 "${SOAK_SEED:-1}"
st=$?
[ $st -eq 124 ] && echo "soak interrupt: FAIL: not done in 90 s"
[ $st -ne 0 ] && rc=1
echo
for api in openai anthropic; do
	timeout 120 sh "$here/batch.sh" 5000 "${SOAK_SEED:-1}" "$api"
	st=$?
	[ $st -eq 124 ] && echo "soak batch ($api): FAIL: not done in 120 s"
	[ $st -ne 0 ] && rc=1
	echo
done
echo "soak: $(($(date +%s) - start)) s in all, $([ $rc -eq 0 ] && echo ok || echo FAILED)"
exit $rc
