# chromium.bash - headless Chromium for the tests of report --html pages
# (report-html.sh, report-scaling.sh), sourced after lib.bash ($T).
# CHROMIUM: the browser (XPKT_CHROMIUM, else Debian's /usr/bin/chromium);
# a test checks [ -x "$CHROMIUM" ] and skips its browser part without it.
CHROMIUM=${XPKT_CHROMIUM:-/usr/bin/chromium}

# chrome FILE.html ARGS...: headless run with its own profile; stderr in $T/chrome.log.
chrome() {
	local page=$1 prof
	shift
	prof=$(mktemp -d "$T/profile-XXXXXX")
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --enable-logging=stderr --v=0 "$@" "file://$page" \
		2>"$T/chrome.log"
}

# render FILE.html: the DOM after load into FILE.dom, the browser's log into
# FILE.log; 0 if the page ran clean: its own check passed (data-ok) and
# nothing at all reached the console (the page writes there only on failure;
# Chromium logs console lines as CONSOLE).
render() {
	chrome "$1" --dump-dom >"$1.dom" || { echo "chromium failed: $(tail -3 "$T/chrome.log")"; return 2; }
	cp "$T/chrome.log" "$1.log"
	if grep -q ':CONSOLE' "$1.log"; then
		grep ':CONSOLE' "$1.log" | head -5
		return 1
	fi
	grep -q '<body[^>]* data-ok="1"' "$1.dom" || { echo "no data-ok in the DOM"; return 1; }
	return 0
}
