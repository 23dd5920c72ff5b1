#!/bin/sh
# No circles: lib/'s object files, each joined to the files whose
# functions and data it uses, must make no circle (a calls b, and b,
# directly or through others, calls a).  Prints the files of each circle
# and fails when there is one.  Usage: mk/cycles.sh BUILD_DIR
B=${1:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
cd "$(dirname "$0")/.." || exit 2
for c in lib/*/*.c; do
	o=$B/${c%.c}.o
	[ -f "$o" ] || { echo "cycles: $o not built" >&2; exit 2; }
	nm -g "$o" | awk -v f="$c" '
		$1 == "U" { print "U", f, $2; next }
		NF == 3 && $2 ~ /[TDBRCVWG]/ { print "D", f, $3 }'
done | awk '
	$1 == "D" { def[$3] = $2; next }
	{ use[++n] = $2 SUBSEP $3 }
	END {
		for (i = 1; i <= n; i++) {
			split(use[i], u, SUBSEP)
			if ((u[2] in def) && def[u[2]] != u[1])
				edge[u[1], def[u[2]]] = 1
		}
		for (e in edge) {
			split(e, p, SUBSEP)
			files[p[1]] = 1; files[p[2]] = 1
		}
		# reach[a, b]: a calls b, directly or through others
		for (e in edge) reach[e] = 1
		for (k in files) for (a in files) if ((a, k) in reach)
			for (b in files) if ((k, b) in reach) reach[a, b] = 1
		bad = 0
		for (a in files) {
			if (!((a, a) in reach) || (a in seen)) continue
			line = a; seen[a] = 1
			for (b in files) if (b != a && ((a, b) in reach) && ((b, a) in reach)) {
				line = line " " b; seen[b] = 1
			}
			print "a circle of calls: " line
			bad = 1
		}
		exit bad
	}'
