#!/usr/bin/env bash
# xpkttrace sym on real binaries, checked against binutils run here:
#  - a Debian kernel module (xen-netback.ko, relocatable): readelf -s gives
#    each function's .text offset and size; with --base B, B+off+k must
#    resolve to name+k [xen_netback]; the same via --kallsyms and via a
#    kallsyms-format map made from nm's output;
#  - Xen's xen-syms (executable ELF) against readelf -s, and Xen's own
#    xen-syms.map (a System.map written by Xen's build) against itself and nm;
#  - /boot/System.map and /proc/kallsyms when readable;
#  - file:line against addr2line, on this xpkttrace binary (built with -g);
#  - bad input: "FILE: line N: ..." errors, exit statuses.
# The fixtures come from tests/cli/sym-fixtures.bash (host, testbed image or
# apt-get download); without them the test skips (exit 77) saying why.
set -u
. "$(dirname "$0")/lib.bash"
for t in readelf nm addr2line awk; do
	command -v $t >/dev/null || { echo "skip: $t (binutils) not installed"; exit 77; }
done
bash "$(dirname "$0")/sym-fixtures.bash" >"$T/fixtures" 2>"$T/fixtures.err"
fix() { sed -n "s/^$1=//p" "$T/fixtures"; }
KO=$(fix ko)
XS=$(fix xen_syms)
XM=$(fix xen_map)
SM=$(fix sysmap)
if [ -z "$KO" ] || [ -z "$XS" ] || [ -z "$XM" ]; then
	cat "$T/fixtures.err"
	echo "skip: fixtures missing: $(tr '\n' ' ' <"$T/fixtures.err")"
	exit 77
fi
N=60
[ "${XPKT_ASAN:-0}" = 1 ] && N=20

# sec_index FILE NAME: the ELF section index readelf gives NAME.
sec_index() { readelf -SW "$1" | sed -n "s/^ *\[ *\([0-9]*\)\] $2 .*/\1/p" | head -1; }

# funcs FILE SECIDX: "VALUE SIZE NAME" for FUNC symbols of that section with
# a size (decimal: readelf prints sizes above 99999 in hex, those are left
# out) at an address no other symbol of the section has, about $N of them.
funcs() {
	readelf -sW "$1" | awk -v sec="$2" '
		$1 ~ /^[0-9]+:$/ && $7 == sec && NF >= 8 {
			n[$2]++
			if ($4 == "FUNC" && $3 ~ /^[0-9]+$/ && $3 > 0) f[$2] = $3 " " $8
		}
		END { for (v in f) if (n[v] == 1) print v, f[v] }' | sort >"$T/all"
	local total k
	total=$(wc -l <"$T/all")
	k=$(((total + N - 1) / N))
	[ "$k" -ge 1 ] || k=1
	awk -v k="$k" 'NR % k == 1' "$T/all"
}

# probe LIST BASE SUFFIX: address and expected output for the start, middle
# and last byte of each function in LIST, at BASE + value.
probe() {
	local v sz name a off
	while read -r v sz name; do
		for off in 0 $((sz / 2)) $((sz - 1)); do
			a=$(($2 + 0x$v + off))
			printf '0x%016x\n' "$a" >>"$T/addrs"
			printf '0x%016x %s+0x%x%s\n' "$a" "$name" "$off" "$3" >>"$T/want"
		done
	done <"$1"
}

check() { # CMD...: runs it on $T/addrs, compares with $T/want
	"$@" $(cat "$T/addrs") >"$T/got" 2>"$T/err" || fail "$* exited $?: $(cat "$T/err")"
	diff -u "$T/want" "$T/got" >"$T/diff" || { head -20 "$T/diff"; fail "$*: output differs"; }
	rm -f "$T/addrs" "$T/want"
}

# --- a Debian kernel module ------------------------------------------------
TEXT=$(sec_index "$KO" .text)
[ -n "$TEXT" ] || fail "$KO: readelf finds no .text"
funcs "$KO" "$TEXT" >"$T/ko.funcs"
[ "$(wc -l <"$T/ko.funcs")" -ge 10 ] || fail "$KO: fewer than 10 functions from readelf"
B=$((0xffffffffc0a3c000))
probe "$T/ko.funcs" "$B" " [xen_netback]"
check "$X" sym --elf "$KO" --base "$(printf '%x' $B)"
# Without a base, addresses are .text offsets, as nm prints them.
probe "$T/ko.funcs" 0 " [xen_netback]"
check "$X" sym --elf "$KO"
# The end of a function is not that function.
read -r v sz name < <(head -1 "$T/ko.funcs")
"$X" sym --elf "$KO" "$(printf '%x' $((0x$v + sz)))" | grep -q " $name+" &&
	fail "$KO: $name resolves one byte past its size $sz"

# .init.text has its own base (/sys/module/NAME/sections/.init.text).
INIT=$(sec_index "$KO" .init.text)
if [ -n "$INIT" ]; then
	B2=$((0xffffffffc0b00000))
	read -r v sz name < <(readelf -sW "$KO" | awk -v s="$INIT" '$7 == s && $4 == "FUNC" && $3 > 0 {print $2, $3, $8; exit}')
	a=$(printf '%x' $((B2 + 0x$v + 1)))
	got=$("$X" sym --elf "$KO" --base "$(printf '%x' $B)" --base ".init.text=$(printf '%x' $B2)" "$a")
	alias=$(readelf -sW "$KO" | awk -v s="$INIT" -v v="$v" '$7 == s && $2 == v {print $8}')
	echo "$alias" | grep -qx -- "$(echo "$got" | sed -n 's/^0x[0-9a-f]* \(.*\)+0x1 \[xen_netback\]$/\1/p')" ||
		fail ".init.text: $got is none of: $alias"
fi

# A kallsyms made from nm: module lines with a [module] column and data
# symbols between modules, as /proc/kallsyms has them.
B3=$((0xffffffffc1200000))
{
	printf 'ffffffff81000000 T _text\nffffffff81000100 T core_fn\nffffffff82000000 D core_data\n'
	readelf -sW "$KO" | awk -v s="$TEXT" '$1 ~ /^[0-9]+:$/ && $7 == s && ($4 == "FUNC" || $4 == "NOTYPE") && NF >= 8 {print $2, $8}' |
		while read -r v name; do printf '%016x t %s\t[xen_netback]\n' $((B3 + 0x$v)) "$name"; done | sort
	printf 'ffffffffc1300000 d some_data\t[other]\n'
} >"$T/kallsyms"
probe "$T/ko.funcs" "$B3" " [xen_netback]"
check "$X" sym --elf "$KO" --kallsyms "$T/kallsyms"
# The map alone: the same names, ends from the next symbol (sizes unknown).
while read -r v sz name; do
	a=$((B3 + 0x$v))
	printf '0x%016x\n' "$a" >>"$T/addrs"
	printf '0x%016x %s+0x0 [xen_netback]\n' "$a" "$name" >>"$T/want"
done <"$T/ko.funcs"
printf '0x%016x\n' $((0xffffffff81000105)) >>"$T/addrs"
printf '0x%016x core_fn+0x5\n' $((0xffffffff81000105)) >>"$T/want"
printf '0x%016x\n' $((0xffffffff82000001)) >>"$T/addrs"
printf '0x%016x ??\n' $((0xffffffff82000001)) >>"$T/want"
check "$X" sym --map "$T/kallsyms"

# --- xen-syms: an executable ELF, addresses are link addresses ----------------
XT=$(sec_index "$XS" .text)
funcs "$XS" "$XT" >"$T/xen.funcs"
[ "$(wc -l <"$T/xen.funcs")" -ge 10 ] || fail "$XS: fewer than 10 functions from readelf"
probe "$T/xen.funcs" 0 ""
check "$X" sym --elf "$XS"
# The same addresses through stdin.
probe "$T/xen.funcs" 0 ""
"$X" sym --elf "$XS" <"$T/addrs" >"$T/got" || fail "sym from stdin"
diff -q "$T/want" "$T/got" >/dev/null || fail "stdin output differs from argument output"
rm -f "$T/addrs" "$T/want"

# --- System.maps: Xen's xen-syms.map, and /boot/System.map if readable -------
# Expected: a text symbol with a unique address resolves to itself at +0 and
# at the middle of the gap to the next address (any type but A).
map_probe() { # MAP
	awk '$2 != "A" && $2 != "a" && $2 != "U" {
		a = $1; sub(/^0x/, "", a); print a, $2, $3 }' "$1" | sort -s -k1,1 >"$T/map.sorted"
	awk '{ c[$1]++; line[NR] = $0; addr[NR] = $1 }
	     END { for (i = 1; i < NR; i++) {
		split(line[i], f, " ")
		if (c[addr[i]] == 1 && f[2] ~ /^[tT]$/ && addr[i+1] != addr[i]) print f[1], addr[i+1], f[3] } }' \
		"$T/map.sorted" | awk -v n="$N" 'NR % 97 == 1' | head -n "$N" >"$T/map.picks"
	[ "$(wc -l <"$T/map.picks")" -ge 5 ] || fail "$1: fewer than 5 symbols picked"
	local a nx name mid
	while read -r a nx name; do
		mid=$(((0x$nx - 0x$a) / 2))
		printf '0x%016x\n0x%016x\n' $((0x$a)) $((0x$a + mid)) >>"$T/addrs"
		printf '0x%016x %s+0x0\n0x%016x %s+0x%x\n' $((0x$a)) "$name" $((0x$a + mid)) "$name" "$mid" >>"$T/want"
	done <"$T/map.picks"
	check "$X" sym --map "$1"
}
map_probe "$XM"
# Xen's map and nm agree: each picked name (local ones as FILE#name) is at
# the address nm gives it.
nm "$XS" | awk '{print $1, $3}' >"$T/xen.nm"
while read -r a nx name; do
	grep -q "^$a ${name##*#}\$" "$T/xen.nm" || fail "$XM: $name at $a, nm disagrees"
done <"$T/map.picks"
if [ -n "$SM" ]; then
	map_probe "$SM"
else
	echo "note: no readable /boot/System.map-$(uname -r); the kallsyms-format map above stands in"
fi
if [ -r /proc/kallsyms ] && awk 'NR < 50 && $1 !~ /^0+$/ {ok = 1} END {exit !ok}' /proc/kallsyms; then
	awk '$2 == "T" {print}' /proc/kallsyms | head -5000 | awk 'NR % 500 == 1 {print $1, $3}' >"$T/ks.picks"
	cp /proc/kallsyms "$T/kallsyms.host"
	while read -r a name; do
		got=$("$X" sym --map "$T/kallsyms.host" "$a") || fail "/proc/kallsyms: $a"
		# Several names may share the address; the one shown must be at it, +0.
		n2=$(echo "$got" | sed -n 's/^0x[0-9a-f]* \([^ ]*\)+0x0\( \[.*\]\)\{0,1\}$/\1/p')
		awk -v a="$a" -v n="$n2" '$1 == a && $3 == n {f = 1} END {exit !f}' "$T/kallsyms.host" ||
			fail "/proc/kallsyms: $a ($name) shown as '$got'"
	done <"$T/ks.picks"
fi

# --- file:line against addr2line, on this binary (-g) -------------------------
XB=$(command -v "$X" || echo "$X")
funcs "$XB" "$(sec_index "$XB" .text)" | head -n 30 >"$T/self.funcs"
[ "$(wc -l <"$T/self.funcs")" -ge 5 ] || fail "$XB: fewer than 5 functions"
lines=0
while read -r v sz name; do
	a=$(printf '0x%x' $((0x$v + sz / 2)))
	fl=$(addr2line -e "$XB" "$a" | sed 's/ (discriminator [0-9]*)$//')
	case $fl in *'?'*) continue ;; esac
	got=$("$X" sym --elf "$XB" "$a") || fail "sym --elf $XB $a"
	want=$(printf '0x%016x %s+0x%x %s' $((a)) "$name" $((sz / 2)) "$fl")
	[ "$got" = "$want" ] || fail "file:line: got '$got', addr2line says '$want'"
	lines=$((lines + 1))
done <"$T/self.funcs"
[ "$lines" -ge 5 ] || fail "only $lines file:line comparisons"

printf 'ffffffff81000000 T _text\nzzzz T bad\n' >"$T/bad1.map"

# --- memory: all of libbfd's freed but the one leak of binutils 2.40 ---------
# (sym/elf.c: the .debug_rnglists buffer, behind bfd_find_nearest_line)
if [ "${XPKT_ASAN:-0}" != 1 ] && command -v valgrind >/dev/null; then
	cat >"$T/bfd.supp" <<'SUPP'
{
   binutils-2.40-dwarf2-rnglists
   Memcheck:Leak
   match-leak-kinds: definite
   ...
   fun:_bfd_elf_find_nearest_line
}
SUPP
	read -r v sz name < <(head -1 "$T/self.funcs")
	valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --suppressions="$T/bfd.supp" \
		"$X" sym --elf "$XB" --elf "$KO" --base ffffffffc0a00000 --map "$XM" \
		"$v" ffffffffc0a00100 ffff82d040210000 >/dev/null 2>"$T/vg.err" ||
		{ cat "$T/vg.err"; fail "valgrind: sym leaks or errs"; }
	valgrind --quiet --error-exitcode=99 --leak-check=full "$X" sym --map "$T/bad1.map" 0 \
		>/dev/null 2>"$T/vg.err"
	[ $? -eq 1 ] || { cat "$T/vg.err"; fail "valgrind: sym on a bad map"; }
fi

# --- errors ----------------------------------------------------------------------
expect_exit 1 "bad1.map: line 2: address 'zzzz' is not hexadecimal" "$X" sym --map "$T/bad1.map" 0
printf 'ffffffff81000000 T _text\nffffffff81000010 TT bad\n' >"$T/bad2.map"
expect_exit 1 "bad2.map: line 2: symbol type" "$X" sym --map "$T/bad2.map" 0
printf 'ffffffff81000000 T _text\nffffffff81000010 t f [mod\n' >"$T/bad3.map"
expect_exit 1 "bad3.map: line 2: .* is not a \[module\]" "$X" sym --map "$T/bad3.map" 0
printf 'ffffffff81000000 T _text\n\nffffffff81000010 t f\0x\n' >"$T/bad4.map"
expect_exit 1 "bad4.map: line 3: NUL byte" "$X" sym --map "$T/bad4.map" 0
printf '0000000000000000 T _text\n0000000000000000 t f\t[m]\n' >"$T/zero.map"
expect_exit 1 "zero.map: every address is 0 .*kptr_restrict" "$X" sym --map "$T/zero.map" 0
printf '11111111111111111 T _text\n' >"$T/long.map"
expect_exit 1 "long.map: line 1: address has 17 digits" "$X" sym --map "$T/long.map" 0
expect_exit 1 "$T/nonexistent: No such file" "$X" sym --elf "$T/nonexistent" 0
expect_exit 1 "$T/nonexistent: No such file" "$X" sym --map "$T/nonexistent" 0
expect_exit 1 "bad1.map: not an object file" "$X" sym --elf "$T/bad1.map" 0
strip -o "$T/stripped.ko" "$KO" 2>/dev/null && expect_exit 1 "stripped.ko: no symbol table" "$X" sym --elf "$T/stripped.ko" 0
expect_exit 1 "kallsyms: module nosuch: no symbol" "$X" sym --elf "$KO" --module nosuch --kallsyms "$T/kallsyms" 0
expect_exit 2 "give a symbol source" "$X" sym 0
expect_exit 2 "--base must follow an --elf" "$X" sym --base 10 --map "$XM" 0
expect_exit 2 "not a hexadecimal address" "$X" sym --elf "$KO" --base zz 0
expect_exit 2 "'0xg1' is not a hexadecimal address" "$X" sym --map "$XM" 0xg1
expect_exit 2 "exclude each other" "$X" sym --elf "$KO" --base 10 --kallsyms "$T/kallsyms" 0
expect_exit 0 "" "$X" sym --help
grep -q "usage: xpkttrace sym" "$T/out" || fail "--help prints no usage"
echo "ok: sym $(wc -l <"$T/ko.funcs") module, $(wc -l <"$T/xen.funcs") xen-syms functions, $lines file:line"
