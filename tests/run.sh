#!/usr/bin/env bash
# Runs every cmocka binary plain and under ASan+UBSan, then the CLI tests, and
# closes with one "tests: N passed, N failed" line counted over all of them.
set -u
O=${O:-build}
passed=0
failed=0
skipped=0
failed_names=()

count_cmocka() { # $1 = label, rest = command
	local label=$1 out rc p f k
	shift
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	k=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0}
	f=${f:-0}
	skipped=$((skipped + ${k:-0}))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, or a sanitizer stopped it
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failed_names+=("$label")
}

for t in "$@"; do
	count_cmocka "$t" "$O/tests/$t"
	count_cmocka "$t (asan)" env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$O/asan/tests/$t"
done

# CLI tests: each script is one test; it gets the plain and the ASan binary.
for s in tests/cli/*.sh; do
	[ -e "$s" ] || continue
	for bin in "$O/xpkttrace" "$O/asan/xpkttrace"; do
		name="$(basename "$s" .sh) [$(basename "$(dirname "$bin")")]"
		san=0; case $bin in */asan/*) san=1 ;; esac
		log="$O/cli-$(basename "$s" .sh)$([ $san = 1 ] && echo -asan).log"
		XPKTTRACE=$bin XPKT_ASAN=$san bash "$s" >"$log" 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then
			echo "[       OK ] cli $name"
			passed=$((passed + 1))
		elif [ $rc -eq 77 ]; then # automake's "skipped"; the script says why
			echo "[  SKIPPED ] cli $name: $(tail -1 "$log")"
			skipped=$((skipped + 1))
		else
			echo "[  FAILED  ] cli $name (log: $log)"
			tail -20 "$log" | sed 's/^/    /'
			failed=$((failed + 1))
			failed_names+=("cli $name")
		fi
	done
done

[ ${#failed_names[@]} -eq 0 ] || printf 'failed: %s\n' "${failed_names[@]}"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
