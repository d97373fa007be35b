# Helpers sourced by tests/cli/*.sh.
# $XPKTTRACE is the binary under test.
X=${XPKTTRACE:?XPKTTRACE must name the binary under test}
T=$(mktemp -d /tmp/xpkt-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_exit CODE REGEX CMD... : exit status CODE, and stderr is one line matching REGEX.
expect_exit() {
	local want=$1 re=$2 rc
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "$* exited $rc, expected $want; stderr: $(cat "$T/err")"
	if [ -n "$re" ]; then
		grep -Eq -- "$re" "$T/err" || fail "$*: stderr does not match /$re/: $(cat "$T/err")"
	fi
	return 0
}
