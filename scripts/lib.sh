# Shared by scripts/dev and scripts/test. Source it; do not run it.

# Dummy credentials: moto accepts any, and real ones must never reach it.
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export PATH="$PWD/.venv/bin:$PATH"

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_http URL SECONDS: until URL answers with any HTTP status.
wait_for_http() {
    python3 - "$1" "$2" <<'PY'
import sys, time, urllib.request, urllib.error
url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
while True:
    try:
        urllib.request.urlopen(url, timeout=2)
        break
    except urllib.error.HTTPError:
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {url}")
        time.sleep(0.2)
PY
}

# start_moto PORT LOGFILE: starts moto (scripts/moto_server.py: moto's
# server with requests serialised, so conditional writes are atomic as in
# DynamoDB) in the background and waits until it answers. Sets MOTO_PID and
# exports AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SECRETS_MANAGER and
# AWS_ENDPOINT_URL_KMS (the same server) for signing keys read from a secret
# or held in KMS, and AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_SESV2 for
# the mail queue and the mails.
start_moto() {
    local port=$1 log=$2
    .venv/bin/python scripts/moto_server.py 127.0.0.1 "$port" >"$log" 2>&1 &
    MOTO_PID=$!
    export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
    export AWS_ENDPOINT_URL_SECRETS_MANAGER="http://127.0.0.1:$port"
    export AWS_ENDPOINT_URL_KMS="http://127.0.0.1:$port"
    export AWS_ENDPOINT_URL_SQS="http://127.0.0.1:$port"
    export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$port"
    if ! wait_for_http "$AWS_ENDPOINT_URL_DYNAMODB/moto-api/" 30; then
        echo "moto_server did not start; its log:" >&2
        cat "$log" >&2
        return 1
    fi
}
