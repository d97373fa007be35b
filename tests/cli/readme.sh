#!/usr/bin/env bash
# The README's stage catalogue is `xpkttrace stages` output, not a copy that
# can drift from the table the code runs on.
set -u
. "$(dirname "$0")/lib.bash"
readme=$(dirname "$0")/../../README.md
awk '/^The stage catalogue/ { grab = 1; next }
     grab && /^```$/ { if (inside) exit; inside = 1; next }
     inside { print }' "$readme" >"$T/readme-stages"
[ -s "$T/readme-stages" ] || fail "no stage catalogue block found in README.md"
"$X" stages >"$T/stages" || fail "xpkttrace stages failed"
diff -u "$T/readme-stages" "$T/stages" || fail "README.md's catalogue differs from 'xpkttrace stages'"
echo "readme: catalogue matches ($(wc -l <"$T/stages") lines)"
