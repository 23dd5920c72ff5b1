# fish completion for llm-plan, made by mk/completions.sh from
# 'llm-plan --help': change that, not this file.
source (status dirname)/llm-common.fish
complete -c llm-plan -s C -l directory -x -a '(__fish_complete_directories)' -d 'look for PLAN_ID under DIR (default .)'
complete -c llm-plan -s n -l dry-run -d 'print a summary of the plan, not the records'
complete -c llm-plan -l estimate -d 'print what the records to send would cost, not the records'
complete -c llm-plan -l max-cost -x -d 'refuse (exit 1) when the cost could pass USD; else write as usual'
complete -c llm-plan -l skip-existing -d 'leave out pairs whose response file exists'
complete -c llm-plan -l done -r -F -d 'leave out ids with an ok record in the result log LOG; repeatable'
complete -c llm-plan -l repeat -x -d 'N samples of every pair (ids end in /r0 .. /rN-1)'
complete -c llm-plan -s m -l model -x -a '(__llm_models)' -d 'ad hoc: a model; repeatable'
complete -c llm-plan -s s -l system-file -r -F -d 'ad hoc: the system prompt, from FILE'
complete -c llm-plan -l temperature -x -d 'ad hoc: temperature (0 to 2)'
complete -c llm-plan -l max-tokens -x -d 'ad hoc: max_tokens'
complete -c llm-plan -l plan-id -x -d 'ad hoc: the plan id (default adhoc)'
complete -c llm-plan -l dump -r -F -d 'print FILE (TOML or JSON; \'-\': stdin) as JSON and exit'
complete -c llm-plan -s h -l help -d 'this help'
complete -c llm-plan -l version -d 'print the version and exit'
