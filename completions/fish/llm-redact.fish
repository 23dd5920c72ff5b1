# fish completion for llm-redact, made by mk/completions.sh from
# 'llm-redact --help': change that, not this file.
source (status dirname)/llm-common.fish
complete -c llm-redact -s t -l text -d 'plain text lines, not records'
complete -c llm-redact -s e -l regexp -x -d 'redact what REGEX matches too (named e1, e2, ...); repeatable'
complete -c llm-redact -l patterns -r -F -d 'add the patterns of FILE (name and regex a line); repeatable'
complete -c llm-redact -l stable -d 'append a keyed hash of each secret to its marker'
complete -c llm-redact -l max-string -x -d 'cut longer string values (default 50000; 0: no bound)'
complete -c llm-redact -l max-record -x -d 'cut the longest strings of longer records (default 5000000)'
complete -c llm-redact -s v -l verbose -d 'counts per pattern on stderr at the end'
complete -c llm-redact -s h -l help -d 'this help'
complete -c llm-redact -l version -d 'print the version and exit'
