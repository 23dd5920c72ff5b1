# fish completion for llm-summarize, made by mk/completions.sh from
# 'llm-summarize --help': change that, not this file.
source (status dirname)/llm-common.fish
complete -c llm-summarize -l json -d 'the report as one line of JSON'
complete -c llm-summarize -l markdown -d 'the report as Markdown tables'
complete -c llm-summarize -l tsv -d 'the report as tab-separated values'
complete -c llm-summarize -l best -d 'the best record of each group, as NDJSON, not a report'
complete -c llm-summarize -l by -x -d 'group by PATH for the best result (default meta.query_id)'
complete -c llm-summarize -l best-by -x -d 'score, cost or output (default score when records carry'
complete -c llm-summarize -l all-attempts -d 'count every record, not the last of each id'
complete -c llm-summarize -l all-errors -d 'list every failure, not the first 20'
complete -c llm-summarize -s f -l follow -d 'keep reading files as they grow and redraw the report'
complete -c llm-summarize -s v -l verbose -d 'what was read, on stderr at the end'
complete -c llm-summarize -s h -l help -d 'this help'
complete -c llm-summarize -l version -d 'print the version and exit'
