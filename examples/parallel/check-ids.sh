#!/bin/sh
# check-ids.sh REQUESTS RESULTS: every id of REQUESTS comes out of RESULTS
# exactly once, and no other id does.  Says so, or lists the ids missing,
# repeated or unknown, and exits 1.
export LC_ALL=C
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
jq -r .id "$1" | sort >"$tmp/want"
jq -r .id "$2" | sort >"$tmp/got"
uniq -d "$tmp/got" >"$tmp/repeated"
sort -u "$tmp/got" | comm -23 "$tmp/want" - >"$tmp/missing"
sort -u "$tmp/got" | comm -13 "$tmp/want" - >"$tmp/unknown"
ok=$(jq -r 'select(.status == "ok") | .id' "$2" | wc -l)
rc=0
for what in missing repeated unknown; do
	[ -s "$tmp/$what" ] || continue
	echo "$2: $(wc -l <"$tmp/$what") ids $what: $(head -5 "$tmp/$what" | tr '\n' ' ')" >&2
	rc=1
done
[ $rc -eq 0 ] && echo "$2: $(wc -l <"$tmp/want") ids, each exactly once, $ok ok"
exit $rc
