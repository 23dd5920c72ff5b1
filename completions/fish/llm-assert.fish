# fish completion for llm-assert, made by mk/completions.sh from
# 'llm-assert --help': change that, not this file.
source (status dirname)/llm-common.fish
complete -c llm-assert -s c -l checks -r -F -d 'checks from a TOML or JSON file (llm-assert(1))'
complete -c llm-assert -s e -l expect -x -d 'a check: KIND, KIND=VALUE, or a JSON object of a check\'s keys'
complete -c llm-assert -s j -l jobs -x -d 'llm-rubric requests in flight at once (default 4)'
complete -c llm-assert -l grader -x -a '(__fish_complete_command)' -d 'the record-speaking grader of llm-rubric'
complete -c llm-assert -l grader-model -x -d 'the grader\'s model (default: the record\'s model)'
complete -c llm-assert -s v -l verbose -d 'say on stderr how many records passed, and jq\'s starts'
complete -c llm-assert -s h -l help -d 'this help'
complete -c llm-assert -l version -d 'print the version and exit'
