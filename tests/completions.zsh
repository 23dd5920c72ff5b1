# zsh -f tests/completions.zsh FPATHDIR LINE...: type each LINE and a TAB
# into an interactive zsh that ran compinit with FPATHDIR first in fpath,
# and print each line as the completion left it.  Only what a TAB inserts
# shows: a single match, or the common part of several.
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "PS1='' fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D; print RE''ADY"
zpty -r z out '*READY*' || exit 1
shift
for line in "$@"; do
	# the line, a TAB, then ^A and a print in front of it, so the line
	# comes back as output after the marker "==> "
	zpty -w -n z "$line"$'\t\C-a''print -r -- "=""=>" '$'\n'
	zpty -r z out '*==> *'$'\n' || exit 1
	print -r -- "${${out##*==> }%%[$'\r\n']*}"
done
zpty -d z
