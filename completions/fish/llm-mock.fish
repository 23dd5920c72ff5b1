# fish completion for llm-mock, made by mk/completions.sh from
# 'llm-mock --help': change that, not this file.
source (status dirname)/llm-common.fish
complete -c llm-mock -f
complete -c llm-mock -s H -l host -x -d 'address to listen on (default 127.0.0.1)'
complete -c llm-mock -s p -l port -x -d 'port to listen on, 0 for any free one (default 8080)'
complete -c llm-mock -l port-file -r -F -d 'write the port listened on to FILE'
complete -c llm-mock -s m -l model -x -d 'a model listed by /v1/models (repeatable; default mock)'
complete -c llm-mock -l latency -x -d 'wait MS milliseconds before every answer'
complete -c llm-mock -l chunk-delay -x -d 'wait MS milliseconds between streamed chunks'
complete -c llm-mock -s r -l rules -r -F -d 'scripted answers, one JSON rule per line'
complete -c llm-mock -l token-file -r -F -d 'require \'Authorization: Bearer <first line of FILE>\''
complete -c llm-mock -l close-after-stream -d 'close connections after streamed answers (as llama-server)'
complete -c llm-mock -l limit-rpm -x -d 'allow each token N requests a minute, then answer 429'
complete -c llm-mock -l limit-tpm -x -d 'allow each token N tokens a minute (prompt + max_tokens)'
complete -c llm-mock -l quota-tokens -x -d 'after N tokens answered, 429 insufficient_quota to all'
complete -c llm-mock -l tokens-per-s -x -d 'take completion_tokens / N seconds to answer'
complete -c llm-mock -s q -l quiet -d 'say nothing on start'
complete -c llm-mock -s v -l verbose -d 'log every request on stderr'
complete -c llm-mock -s h -l help -d 'show this help'
complete -c llm-mock -l version -d 'print the version and exit'
