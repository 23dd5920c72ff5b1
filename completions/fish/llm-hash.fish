# fish completion for llm-hash, made by mk/completions.sh from
# 'llm-hash --help': change that, not this file.
source (status dirname)/llm-common.fish
complete -c llm-hash -s m -l model -d 'hash model names: operands, or lines of stdin'
complete -c llm-hash -l json -d 'hash JSON documents (the default)'
complete -c llm-hash -l field -x -d 'hash the part of each document at PATH (.a.b, .a[0], ."k")'
complete -c llm-hash -l into -x -d 'write each record with NAME set to the hash'
complete -c llm-hash -s n -l length -x -d 'print the first LEN hex digits (default 8 with -m, else 64)'
complete -c llm-hash -s l -l location -d 'print the name, or FILE:LINE, after each hash'
complete -c llm-hash -s h -l help -d 'this help'
complete -c llm-hash -l version -d 'print the version and exit'
