# fish completion for llm-runner, made by mk/completions.sh from
# 'llm-runner --help': change that, not this file.
source (status dirname)/llm-common.fish
complete -c llm-runner -s c -l chat -x -a '(__fish_complete_command)' -d 'the record-speaking command (default \'llm-chat -q\'; split on blanks)'
complete -c llm-runner -s j -l jobs -x -d 'scenarios played at once (default 1)'
complete -c llm-runner -s m -l model -x -a '(__llm_models)' -d 'the model of scenarios that name none'
complete -c llm-runner -l timeout -x -d 'longest wait for one turn or one mock_exec (default 600)'
complete -c llm-runner -l store -x -a '(__fish_complete_directories)' -d 'also write each trace to DIR/<run_id>.json'
complete -c llm-runner -l max-cost -x -d 'play no more scenarios once those played cost USD'
complete -c llm-runner -l max-total-tokens -x -d 'play no more scenarios once those played used N tokens'
complete -c llm-runner -l max-string -x -d 'cut longer string values of a trace (default 50000; 0: no bound)'
complete -c llm-runner -l max-record -x -d 'bound a trace\'s line (default 5000000; 0: no bound)'
complete -c llm-runner -s q -l quiet -d 'no summary on a terminal'
complete -c llm-runner -s h -l help -d 'this help'
complete -c llm-runner -l version -d 'print the version and exit'
