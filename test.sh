#!/usr/bin/env bash
# Runs the whole test suite: unit, integration (real PostgreSQL, real OpenLDAP, real relying party) and browser (Chromium).
# Installs what it needs when it is missing and it can (Debian, as root): the PostgreSQL server binaries, slapd with
# ldap-utils (the directory tests start a throwaway slapd of their own), nginx (the load-balancer tests start their own
# in front of server processes), Chromium, and Node.js with npm (for the single-page app tests' oidc-client-ts). Ends
# with one line "N passed, N failed" taken from the test results.
set -uo pipefail
cd "$(dirname "$0")"

results="TestResults"
test_projects=(UnitTests IntegrationTests EndToEndTests)
missing=()

# The last line of the output is always "N passed, N failed", counted from the TRX files the test run wrote (every
# file of every project, added up); a test project that wrote none (it crashed, or never ran) counts as one failure.
summary() {
    local passed=0 failed=0 project file counters p f e t
    local -a trx
    shopt -s nullglob
    for project in "${test_projects[@]}"; do
        trx=("$results"/trx/IdentityProvider."$project"_*.trx)
        if ((${#trx[@]} == 0)); then
            echo "No test results from IdentityProvider.$project." >&2
            failed=$((failed + 1))
            continue
        fi
        for file in "${trx[@]}"; do
            counters=$(grep -o '<Counters [^>]*>' "$file" | head -n 1)
            p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
            f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
            e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
            t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
            passed=$((passed + ${p:-0}))
            failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
        done
    done
    echo "$passed passed, $failed failed"
}

# The failed tests by name, with the first line of their message, so that a log cut short still names them.
failures() {
    local file
    shopt -s nullglob
    for file in "$results"/trx/*.trx; do
        awk '
            /<UnitTestResult / && /outcome="(Failed|Error|Timeout)"/ {
                match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); want = 1; next
            }
            want && /<Message>/ {
                line = $0; sub(/.*<Message>/, "", line); sub(/<\/Message>.*/, "", line)
                printf "Failed: %s\n    %s\n", name, substr(line, 1, 300); want = 0
            }
            want && /<\/UnitTestResult>/ { printf "Failed: %s\n", name; want = 0 }
        ' "$file"
    done
}

tests_pid=""

# A stopped run (Ctrl-C, a CI timeout) stops the tests too, and still ends with the closing line.
stop() {
    echo "Stopped by a signal; counting the results written so far." >&2
    if [[ -n "$tests_pid" ]]; then
        kill "$tests_pid" 2>/dev/null
        wait "$tests_pid" 2>/dev/null
    fi
    exit 143
}

finish() {
    local code=$?
    trap - EXIT
    local line
    line=$(summary)
    failures
    echo "$line"
    # A failed test, a project without results, or no test at all fails the run, whatever the runner said.
    if [[ "$line" == "0 passed, "* || "$line" != *", 0 failed" ]]; then
        exit $((code == 0 ? 1 : code))
    fi
    exit "$code"
}
trap finish EXIT
trap stop TERM INT HUP
rm -rf "$results"

have_postgres() {
    [[ -n "${IDP_TEST_POSTGRES:-}" ]] && return 0
    command -v initdb >/dev/null 2>&1 && return 0
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

have_slapd() {
    [[ -x /usr/sbin/slapd ]] || command -v slapd >/dev/null 2>&1
}

have_nginx() {
    [[ -n "${IDP_NGINX:-}" ]] && return 0
    [[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null 2>&1
}

have_chromium() {
    [[ -x "${IDP_CHROMIUM:-/usr/bin/chromium}" ]]
}

have_npm() {
    command -v npm >/dev/null 2>&1
}

have_postgres || missing+=(postgresql)
have_slapd || missing+=(slapd ldap-utils)
have_nginx || missing+=(nginx-light)
have_chromium || missing+=(chromium)
# The single-page app browser tests install oidc-client-ts with npm (npm ci from the committed lock file).
have_npm || missing+=(nodejs npm)

if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing ${missing[*]} from Debian's packages..."
        export DEBIAN_FRONTEND=noninteractive
        # slapd's and nginx's packages would start and enable a system service (nginx on port 80); the tests start their
        # own. policy-rc.d (exit 101) tells Debian's maintainer scripts not to start services; any service that runs anyway
        # is stopped.
        policy_rc=/usr/sbin/policy-rc.d
        [[ -e "$policy_rc" ]] && policy_rc=""
        [[ -n "$policy_rc" ]] && printf '#!/bin/sh\nexit 101\n' >"$policy_rc" && chmod +x "$policy_rc"
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        installed=$?
        [[ -n "$policy_rc" ]] && rm -f "$policy_rc"
        if [[ " ${missing[*]} " == *" slapd "* ]]; then
            service slapd stop >/dev/null 2>&1 || true
        fi
        if [[ " ${missing[*]} " == *" nginx-light "* ]]; then
            service nginx stop >/dev/null 2>&1 || true
        fi
        if ((installed != 0)); then
            echo "Could not install ${missing[*]}. Install them yourself and run this again." >&2
            exit 2
        fi
    else
        echo "Missing: ${missing[*]}. Install them (Debian: sudo apt-get install ${missing[*]}), or point" >&2
        echo "IDP_TEST_POSTGRES at a PostgreSQL server, IDP_NGINX at an nginx executable and IDP_CHROMIUM at a Chromium" >&2
        echo "executable." >&2
        exit 2
    fi
fi

if ! command -v dotnet >/dev/null 2>&1; then
    echo "The .NET 10 SDK is needed: https://dotnet.microsoft.com/download" >&2
    exit 2
fi

dotnet build IdentityProvider.sln --nologo -v quiet -clp:ErrorsOnly || exit 1
# In the background and waited for, so that a signal reaches the trap at once rather than after the whole run.
dotnet test --solution IdentityProvider.sln --no-build --results-directory "$PWD/$results/trx" --report-trx &
tests_pid=$!
wait "$tests_pid"
status=$?
tests_pid=""
exit "$status"
