#!/bin/sh
# make soak: the fault soak of llm-chat and of llm-stream, 100,000
# requests each through llm-plan | llm-retry, five minutes at most in
# all: each soak is stopped, and fails, after 140 s.  See soak.sh.
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
echo "soak: $(($(date +%s) - start)) s in all, $([ $rc -eq 0 ] && echo ok || echo FAILED)"
exit $rc
