#!/usr/bin/env bash
# Runs each libFuzzer target named on the command line (build/fuzz/NAME) for
# $FUZZ_SECONDS with a seed corpus of small valid inputs made here, and exits
# non-zero if any target crashed, hung or tripped a sanitizer.
#   O=build FUZZ_SECONDS=60 tests/fuzz/run.sh fuzz_xentrace fuzz_kev
set -u
O=${O:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
failed=()

le32() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))\\x$(printf %02x $((($1 >> 16) & 255)))\\x$(printf %02x $((($1 >> 24) & 255)))"; }

seed_xentrace() { # $1 = corpus dir
	# window header (TRC_TRACE_CPU_CHANGE, 2 words: cpu, bytes) + records with TSC
	{ le32 $((0x2001f003)); le32 0; le32 44
	  le32 $((0x90021101)); le32 1000; le32 0; le32 0               # runstate d0v0 -> running
	  le32 $((0xb020100d)); le32 2000; le32 0; le32 $((20 | 1 << 20 | 1 << 24)); le32 1; le32 3
	} >"$1/one-cpu"
	{ le32 $((0x2001f003)); le32 1; le32 28
	  le32 $((0xc001f001)); le32 500; le32 0; le32 7; le32 0; le32 400; le32 0   # lost records
	  le32 $((0x2001f003)); le32 0; le32 32
	  le32 $((0xc002800a)); le32 600; le32 0; le32 32767; le32 0; le32 1; le32 0 # switch
	  le32 $((0x0001f002))                                                        # wrap pad
	} >"$1/two-cpus"
	local fx=tests/data/xen417-iperf3-tcg-run2.xentrace.xz
	[ -r "$fx" ] && xz -dc "$fx" 2>/dev/null | head -c 4096 >"$1/fixture-head"
	return 0
}

seed_kev() {
	# header: magic, version 1, record size 80, domain 0, domid 1, tsc_hz, 32 zero bytes
	{ printf 'XPKTKEV1'; le32 1; le32 80; le32 0; le32 1; le32 $((2400000000 & 0xffffffff)); le32 0
	  head -c 32 /dev/zero
	  le32 1000; le32 0; head -c 52 /dev/zero; le32 $((1 | 0 << 16)); head -c 20 /dev/zero
	} >"$1/one-event"
	return 0
}

le64() { le32 $(($1 & 0xffffffff)); le32 $((($1 >> 32) & 0xffffffff)); }

seed_ftrace() {
	# One 4096-byte ring-buffer page (the fuzz target's fixed header_page):
	# u64 timestamp, u64 commit, then two events, each a u32 header
	# (type_len = data words, time_delta << 5) and its record:
	# net_dev_queue (id 2304: skbaddr, len, __data_loc name "lo") and
	# kfree_skb (id 1500: skbaddr, location, reason at 36).
	{ le64 1000000; le64 80
	  le32 $((10 << 5 | 8))
	  le32 $((2304)); le32 1; le64 $((0x7f88801234567800)); le32 1500; le32 $((24 | 3 << 16))
	  printf 'lo\0'; head -c 5 /dev/zero
	  le32 $((7 << 5 | 10))
	  le32 $((1500)); le32 1; le64 $((0x7f88801234567800)); le64 $((0x7f81000000001000))
	  le32 0; le32 0; le32 0; le32 2
	  head -c $((4096 - 16 - 80)) /dev/zero
	} >"$1/one-page"
	cat "$1/one-page" "$1/one-page" >"$1/two-pages"
	return 0
}

seed_ftrace_zst() {
	# First byte = mode (fuzz_ftrace_zst.c): 0x00 the rest is the .zst file,
	# 0x01 the rest is raw pages the target compresses itself.
	local raw
	raw=$(mktemp -d)
	seed_ftrace "$raw"
	{ printf '\x01'; cat "$raw/one-page"; } >"$1/pages-one"
	{ printf '\x01'; cat "$raw/two-pages"; } >"$1/pages-two"
	if command -v zstd >/dev/null; then
		{ printf '\x00'; zstd -q -c --check "$raw/two-pages"; } >"$1/zst-two"
		{ printf '\x00'; zstd -q -c "$raw/one-page" | head -c 40; } >"$1/zst-cut"
	fi
	rm -rf "$raw"
	return 0
}

seed_sysmap() {
	# System.map, kallsyms with [module] columns and data fences, Xen's 0x map
	printf 'ffffffff81000000 T _text\nffffffff81000000 t _stext\nffffffff81000100 W weak_fn\nffffffff82000000 D data\n' >"$1/system-map"
	printf 'ffffffffc0001000 t mod_fn\t[xen_netback]\nffffffffc0001040 T mod_fn2\t[xen_netback]\nffffffffc0001080 d mod_data\t[xen_netback]\n' >"$1/kallsyms"
	printf '0xffff82d040200000 T _stext\n0xffff82d040200008 t head.o#multiboot1_header\n0xffff82d040210000 A abs\n' >"$1/xen-map"
	return 0
}

for name in "$@"; do
	bin=$O/fuzz/$name
	corpus=$O/fuzz/corpus-$name
	art=$O/fuzz/artifacts-$name/
	mkdir -p "$corpus" "$art"
	case $name in
	fuzz_xentrace) seed_xentrace "$corpus" ;;
	fuzz_kev) seed_kev "$corpus" ;;
	fuzz_ftrace) seed_ftrace "$corpus" ;;
	fuzz_ftrace_zst) seed_ftrace_zst "$corpus" ;;
	fuzz_sysmap) seed_sysmap "$corpus" ;;
	esac
	if [ ! -x "$bin" ]; then
		echo "fuzz: $name: $bin missing" >&2
		failed+=("$name")
		continue
	fi
	echo "fuzz: $name for ${FUZZ_SECONDS}s (corpus $corpus)"
	if "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-artifact_prefix="$art" -print_final_stats=1 "$corpus" >"$O/fuzz/$name.log" 2>&1; then
		echo "fuzz: $name: ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$O/fuzz/$name.log" | grep -o '[0-9]*$') runs)"
	else
		echo "fuzz: $name: FAILED, see $O/fuzz/$name.log and $art" >&2
		grep -E 'ERROR|SUMMARY|Test unit written' "$O/fuzz/$name.log" | head -5 >&2
		failed+=("$name")
	fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: failed: ${failed[*]}" >&2; exit 1; }
echo "fuzz: all ${#} targets clean"
