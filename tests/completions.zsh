# zsh -f tests/completions.zsh SHELL DIR LINE...: type each LINE and a TAB
# into an interactive SHELL (zsh or bash) that loaded the completions of
# DIR (zsh: compinit with DIR first in fpath; bash: every DIR/llm-*), and
# print each line as the completion left it.  Only what a TAB inserts
# shows: a single match, or the common part of several.
zmodload zsh/zpty || exit 1
if [[ $1 == bash ]]; then
	zpty z bash --norc --noprofile -i
	zpty -w z "PS1=''; for f in ${(q)2}/llm-*; do . \"\$f\"; done; echo RE''ADY"
else
	zpty z zsh -f -i
	zpty -w z "PS1='' fpath=(${(q)2} \$fpath); autoload -U compinit; compinit -u -D; print RE''ADY"
fi
zpty -r z out '*READY*' || exit 1
shift 2
for line in "$@"; do
	# the line, a TAB, then ^A and an echo in front of it, so the line
	# comes back as output after the marker "==> "
	zpty -w -n z "$line"$'\t\C-a''echo "=""=>" '$'\n'
	zpty -r z out '*==> *'$'\n' || exit 1
	print -r -- "${${out##*==> }%%[$'\r\n']*}"
done
zpty -d z
