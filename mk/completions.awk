# Read a program's --help and write its completion for one shell.
#
#	PROG --help | awk -v prog=PROG -v shell=SHELL -v operands=KIND -f mk/completions.awk
#
# An option is a help line that starts with blanks and a dash:
#
#	  -m, --model MODEL        model (prompt mode; ...)
#	      --json               prompt mode: print the result record
#
# a short option, a long one or both, then the argument's name when one
# follows after a single blank, then the description.  The argument's name
# says what completes it: FILE and LOG files, DIR directories, MODEL model
# names from the server, CMD commands, anything else nothing.  An option
# whose description says "repeatable" may be given again.
#
# shell is bash, zsh or fish; "list" prints the options found as
# "short<TAB>long<TAB>ARG<TAB>kind", for the tests.  operands is what the
# words that are not options are: file, none (a prompt) or command (after
# "--", with its own arguments).

function kind(arg) {
	if (arg == "FILE" || arg == "LOG") return "file"
	if (arg == "DIR") return "dir"
	if (arg == "MODEL") return "model"
	if (arg == "CMD") return "command"
	return ""
}

# the description in single quotes, for zsh inside [] too
function zq(s) {
	gsub(/\\/, "\\\\", s); gsub(/\[/, "\\[", s); gsub(/\]/, "\\]", s)
	gsub(/:/, "\\:", s); gsub(/'/, "'\\''", s)
	return s
}

function fq(s) {
	gsub(/\\/, "\\\\", s); gsub(/'/, "\\'", s)
	return s
}

/^ +-/ {
	s = $0
	sub(/^ +/, "", s)
	short = ""; long = ""; arg = ""
	if (s ~ /^-[A-Za-z0-9](,|  | [A-Z]|$)/) {
		short = substr(s, 1, 2)
		s = substr(s, 3)
		sub(/^, /, "", s)
	}
	if (match(s, /^--[A-Za-z0-9][-A-Za-z0-9]*/)) {
		long = substr(s, 1, RLENGTH)
		s = substr(s, RLENGTH + 1)
	}
	if (short == "" && long == "")
		next
	if (match(s, /^ [A-Z][A-Z_]*/)) {
		arg = substr(s, 2, RLENGTH - 1)
		s = substr(s, RLENGTH + 1)
	}
	sub(/^ +/, "", s)
	n++
	S[n] = short; L[n] = long; A[n] = arg; K[n] = kind(arg); D[n] = s
	R[n] = s ~ /repeatable/
}

function bash(  i, w) {
	print "# bash completion for " prog ", made by mk/completions.sh from"
	print "# '" prog " --help': change that, not this file."
	print ". \"$(dirname \"${BASH_SOURCE[0]}\")/_llm-common\" || return"
	print "_llm_opts[" prog "]='"
	for (i = 1; i <= n; i++) {
		w = ""
		if (S[i] != "") w = S[i] (A[i] != "" ? "=" K[i] : "")
		if (L[i] != "") w = w (w != "" ? " " : "") L[i] (A[i] != "" ? "=" K[i] : "")
		print w
	}
	print "'"
	print "_llm_operands[" prog "]=" operands
	print "complete -F _llm_complete " prog
}

function zaction(k) {
	if (k == "file") return "_files"
	if (k == "dir") return "_files -/"
	if (k == "model") return "_llm_models"
	if (k == "command") return "_command_names -e"
	return " "
}

function zspec(opt, i, excl,  s) {
	s = R[i] ? "*" : excl
	s = s opt
	if (A[i] != "") s = s (opt ~ /^--/ ? "=" : "+")
	s = s "[" zq(D[i]) "]"
	if (A[i] != "") s = s ":" tolower(A[i]) ":" zaction(K[i])
	return "'" s "'"
}

# the specs of _arguments, one a line; a prompt has none, as a rest spec
# with the action " " would keep options from being offered
function zsh(  i, excl, m, spec) {
	for (i = 1; i <= n; i++) {
		excl = ""
		if (S[i] != "" && L[i] != "") excl = "(" S[i] " " L[i] ")"
		if (S[i] != "") spec[++m] = zspec(S[i], i, excl)
		if (L[i] != "") spec[++m] = zspec(L[i], i, excl)
	}
	if (operands == "file")
		spec[++m] = "'*:file:_files'"
	else if (operands == "command") {
		spec[++m] = "'1:command:_command_names -e'"
		# zsh counts a "--" right after the program as an argument
		spec[++m] = "'*::arguments:{ [[ $words[1] == -- ]] && " \
			"{ shift words; (( CURRENT-- )) }; _normal }'"
	}
	print "#compdef " prog
	print "# zsh completion for " prog ", made by mk/completions.sh from"
	print "# '" prog " --help': change that, not this file."
	print "_arguments -s -S : \\"
	for (i = 1; i <= m; i++)
		print "\t" spec[i] (i < m ? " \\" : "")
}

function fish(  i, s, cond) {
	print "# fish completion for " prog ", made by mk/completions.sh from"
	print "# '" prog " --help': change that, not this file."
	print "source (status dirname)/llm-common.fish"
	cond = ""
	if (operands != "file")
		print "complete -c " prog " -f"
	if (operands == "command") {
		print "complete -c " prog " -n __llm_after_dashdash -x -a '(__llm_complete_after_dashdash)'"
		cond = " -n 'not __llm_after_dashdash'"
	}
	for (i = 1; i <= n; i++) {
		s = "complete -c " prog cond
		if (S[i] != "") s = s " -s " substr(S[i], 2)
		if (L[i] != "") s = s " -l " substr(L[i], 3)
		if (K[i] == "file") s = s " -r -F"
		else if (K[i] == "dir") s = s " -x -a '(__fish_complete_directories)'"
		else if (K[i] == "model") s = s " -x -a '(__llm_models)'"
		else if (K[i] == "command") s = s " -x -a '(__fish_complete_command)'"
		else if (A[i] != "") s = s " -x"
		print s " -d '" fq(D[i]) "'"
	}
}

END {
	if (shell == "bash") bash()
	else if (shell == "zsh") zsh()
	else if (shell == "fish") fish()
	else for (i = 1; i <= n; i++) print S[i] "\t" L[i] "\t" A[i] "\t" K[i]
}
