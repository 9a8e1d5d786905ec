#!/usr/bin/env sh
# Creates the token signing and encryption keys (RSA 2048, PEM) in the given folder, readable by the container user.
set -eu
dir="${1:-keys}"
mkdir -p "$dir"
for name in signing-key encryption-key; do
    if [ ! -f "$dir/$name.pem" ]; then
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/$name.pem"
        chmod 644 "$dir/$name.pem"
    fi
done
echo "Keys are in $dir. Keep them secret and back them up: losing them invalidates every issued token."
