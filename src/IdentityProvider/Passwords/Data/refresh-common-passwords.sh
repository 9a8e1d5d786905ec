#!/usr/bin/env bash
# Regenerates common-passwords.txt.gz, the global banned-password list, from the npm package
# @zxcvbn-ts/language-common (MIT licence): its passwords dictionary, most common first.
# Usage: ./refresh-common-passwords.sh [version]   (needs npm, node and gzip)
set -euo pipefail
version="${1:-4.1.3}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack "@zxcvbn-ts/language-common@${version}" --silent >/dev/null
tar xzf zxcvbn-ts-language-common-*.tgz
node -e 'const words = require("./package/src/passwords.json"); process.stdout.write(words.join("\n") + "\n");' > common-passwords.txt
gzip -9 -n -c common-passwords.txt > "$here/common-passwords.txt.gz"
cp package/LICENSE.txt "$here/common-passwords.LICENSE.txt"
echo "Wrote $(wc -l < common-passwords.txt) passwords from @zxcvbn-ts/language-common@${version}."
