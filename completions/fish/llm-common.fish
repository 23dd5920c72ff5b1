# fish completion for the llm-* programs: the functions they share.  Each
# completions/fish/llm-x.fish (made by mk/completions.sh from
# 'llm-x --help') sources this file.

# The model ids that GET $base/models lists, for -m/--model.  The base URL
# and token are found as the programs find them (--base-url and
# --token-file on the line, then LLM_BASE_URL or OPENAI_BASE_URL,
# LLM_API_TOKEN or OPENAI_API_KEY).  Both reach curl on its standard input
# (-K -), never in its arguments, so ps never shows the token.  One second
# at most; nothing on failure.
function __llm_models
    set -l url $LLM_BASE_URL
    test -n "$url"; or set url $OPENAI_BASE_URL
    set -l tok $LLM_API_TOKEN
    test -n "$tok"; or set tok $OPENAI_API_KEY
    set -l words (commandline -opc)
    for i in (seq 2 (count $words))
        set -l next $words[(math $i + 1)]
        switch $words[$i]
            case --base-url
                set url $next
            case '--base-url=*'
                set url (string replace -- --base-url= '' $words[$i])
            case --token-file
                read tok <$next 2>/dev/null
            case '--token-file=*'
                read tok <(string replace -- --token-file= '' $words[$i]) 2>/dev/null
        end
    end
    test -n "$url"; and command -q curl; or return 0
    set url (string trim -r -c / -- $url)/models
    begin
        printf 'url = "%s"\n' (string replace -a '\\' '\\\\' -- $url | string replace -a '"' '\\"')
        test -n "$tok"
        and printf 'header = "Authorization: Bearer %s"\n' (string replace -a '\\' '\\\\' -- $tok | string replace -a '"' '\\"')
    end | curl -sf --max-time 1 -K - 2>/dev/null |
        string match -ar '"id"\s*:\s*"[^"]*"' | string replace -r '.*"([^"]*)"$' '$1'
end

# Whether the line has "--" before the word being completed.
function __llm_after_dashdash
    contains -- -- (commandline -opc)[2..-1]
end

# The words after "--": a command and its arguments, completed as the
# command's own completion does.
function __llm_complete_after_dashdash
    set -l words (commandline -opc) (commandline -ct)
    set -l i (contains -i -- -- $words)
    __fish_complete_subcommand --commandline $words[(math $i + 1)..-1]
end
