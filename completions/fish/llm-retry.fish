# fish completion for llm-retry, made by mk/completions.sh from
# 'llm-retry --help': change that, not this file.
source (status dirname)/llm-common.fish
complete -c llm-retry -f
complete -c llm-retry -n __llm_after_dashdash -x -a '(__llm_complete_after_dashdash)'
complete -c llm-retry -n 'not __llm_after_dashdash' -s n -l retries -x -d 'retries of a record after its first attempt (default 3)'
complete -c llm-retry -n 'not __llm_after_dashdash' -l base -x -d 'first backoff, doubled per retry (default 1)'
complete -c llm-retry -n 'not __llm_after_dashdash' -l cap -x -d 'longest backoff (default 300)'
complete -c llm-retry -n 'not __llm_after_dashdash' -l max-retry-after -x -d 'longest wait a server may ask for (default 120)'
complete -c llm-retry -n 'not __llm_after_dashdash' -l on -x -d 'HTTP statuses that are retried, e.g. 429,503,5xx;'
complete -c llm-retry -n 'not __llm_after_dashdash' -l max-time -x -d 'bound the whole run'
complete -c llm-retry -n 'not __llm_after_dashdash' -l fallback -x -a '(__llm_models)' -d 'when a record\'s model fails for good, ask MODEL; repeatable'
complete -c llm-retry -n 'not __llm_after_dashdash' -l max-cost -x -d 'send nothing that could take the spending past USD'
complete -c llm-retry -n 'not __llm_after_dashdash' -l max-total-tokens -x -d 'send nothing that could take the tokens used past N'
complete -c llm-retry -n 'not __llm_after_dashdash' -s w -l window -x -d 'records read ahead of their answers (default 2048)'
complete -c llm-retry -n 'not __llm_after_dashdash' -l whole -d 're-run COMMAND as a whole while it exits 75'
complete -c llm-retry -n 'not __llm_after_dashdash' -s v -l verbose -d 'say each retry, and a summary at the end'
complete -c llm-retry -n 'not __llm_after_dashdash' -s q -l quiet -d 'no progress line'
complete -c llm-retry -n 'not __llm_after_dashdash' -s h -l help -d 'this help'
complete -c llm-retry -n 'not __llm_after_dashdash' -l version -d 'print the version and exit'
