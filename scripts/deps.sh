#!/usr/bin/env bash
# Installs the Debian 12 packages xpkttrace builds and tests with, if missing.
#   scripts/deps.sh           install what is missing (root: apt-get; else print the command)
#   scripts/deps.sh --check   exit 1 if anything is missing, install nothing
# The package list is the one place dependencies are named.
set -eu
PKGS=(
	build-essential pkg-config clang clang-format   # compilers, libFuzzer, style check
	libcmocka-dev                                   # unit tests
	libjansson-dev                                  # manifest, truth and report JSON
	libpcap-dev                                     # wire capture and pcap decoding
	binutils-dev                                    # libbfd: symbols
	libxen-dev                                      # libxenctrl: hypervisor trace buffers
	libtracefs-dev libtraceevent-dev                # ftrace recorder
	libzstd-dev                                     # bundle compression (ftrace pages)
	xz-utils jq valgrind time python3               # fixtures, CLI tests, checks, bench
	iperf3 iproute2                                 # the native demo's workload and topology
	patch kmod linux-headers-amd64                  # driver patches: apply and build out of tree
	chromium                                        # report --html test: headless render, screenshot
	qemu-system-x86                                 # pmu-sim plugin's model test (a tiny guest)
)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "${1:-}" = --check ]; then
	echo "missing packages: ${missing[*]}" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "xpkttrace needs: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
