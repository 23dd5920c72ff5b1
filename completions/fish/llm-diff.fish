# fish completion for llm-diff, made by mk/completions.sh from
# 'llm-diff --help': change that, not this file.
source (status dirname)/llm-common.fish
complete -c llm-diff -l by -x -d '[,PATH...]       join records on these fields, not on id'
complete -c llm-diff -l markdown -d 'the report as Markdown tables'
complete -c llm-diff -l tsv -d 'the report as tab-separated values'
complete -c llm-diff -l max-cost-increase -x -d 'regressed when a model\'s cost per request rises more'
complete -c llm-diff -l max-latency-increase -x -d 'regressed when a model\'s median latency rises more'
complete -c llm-diff -s v -l verbose -d 'a unified diff of each changed content'
complete -c llm-diff -s h -l help -d 'this help'
complete -c llm-diff -l version -d 'print the version and exit'
