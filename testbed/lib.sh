# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# testbed/lib.sh - shell helpers shared by the testbed scripts (sourced, not run).
#
# Every script prints progress as "testbed: ..." on stderr and fails with one
# line "testbed: error: ..." so `make testbed` output reads as one log.

# shellcheck disable=SC2034  # TB_REPO, TB_CACHE: used by the scripts that source this
TB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_REPO=$(cd "$TB_DIR/.." && pwd)
# Built images live outside the repository (they are ~1 GB and rebuilt only
# when a package version changes); override with XPKT_TESTBED_CACHE.
TB_CACHE=${XPKT_TESTBED_CACHE:-/var/cache/xpkttrace-testbed}
# Bump when build.sh changes what goes into the images, so old caches are not reused.
TB_RECIPE=3

tb_t0=$(date +%s)
tb_log() { echo "testbed: [$(($(date +%s) - tb_t0))s] $*" >&2; }
tb_die() {
	echo "testbed: error: $*" >&2
	exit 1
}
tb_need_root() { [ "$(id -u)" -eq 0 ] || tb_die "$1 needs root (debootstrap, chroot, debugfs on images)"; }

# Install missing host packages (root). Only tools that build or run the
# images: Xen and the 6.1 kernel are never installed on the host, only
# downloaded and unpacked.
tb_host_pkgs() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	tb_need_root "installing ${missing[*]}"
	tb_log "installing host packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || tb_die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		tb_die "apt-get install ${missing[*]} failed"
}

# Candidate version of a package in the host's apt lists ("" if unknown).
tb_pkg_version() {
	apt-cache show --no-all-versions "$1" 2>/dev/null | awk '/^Version:/{print $2; exit}'
}

# The versions the images are made of, and the cache key derived from them.
# Sets TB_XEN_VER, TB_KPKG (linux-image-6.1.0-N-amd64), TB_KVER_PKG,
# TB_UTILS_VER, TB_KEY. The key names every version so a stale cache is
# visible in `ls`; ':' (epochs) is not welcome in paths.
tb_versions() {
	TB_XEN_VER=$(tb_pkg_version xen-hypervisor-4.17-amd64)
	if [ -z "$TB_XEN_VER" ]; then
		tb_need_root "apt-get update"
		apt-get update -qq || tb_die "apt-get update failed"
		TB_XEN_VER=$(tb_pkg_version xen-hypervisor-4.17-amd64)
	fi
	[ -n "$TB_XEN_VER" ] || tb_die "apt knows no xen-hypervisor-4.17-amd64 (is this Debian 12?)"
	# linux-image-amd64 is a meta package: it depends on the versioned ABI package.
	TB_KPKG=$(apt-cache show --no-all-versions linux-image-amd64 |
		awk -F'[:,]' '/^Depends:/{print $2; exit}' | awk '{print $1}')
	[[ "$TB_KPKG" == linux-image-6.1.* ]] || tb_die "linux-image-amd64 does not depend on a 6.1 kernel ('$TB_KPKG')"
	TB_KVER_PKG=$(tb_pkg_version "$TB_KPKG")
	TB_UTILS_VER=$(tb_pkg_version xen-utils-4.17)
	[ -n "$TB_KVER_PKG" ] && [ -n "$TB_UTILS_VER" ] || tb_die "apt knows no $TB_KPKG or xen-utils-4.17"
	TB_KEY=$(echo "xen-${TB_XEN_VER}_${TB_KPKG#linux-image-}-${TB_KVER_PKG}_utils-${TB_UTILS_VER}_r${TB_RECIPE}" | tr ':~+' '_._')
}

# One testbed at a time per machine: two QEMU/TCG systems on 2 cores starve each
# other (iperf3 fell from ~90 to ~5 Mbit/s, enough to change what is measured).
# Holds an exclusive lock on fd 9 for the rest of the calling script; waits, saying
# so, while another run holds it.
TB_LOCK=${XPKT_TESTBED_LOCK:-/run/lock/xpkttrace-testbed.lock}
tb_lock() {
	exec 9>>"$TB_LOCK" || tb_die "cannot open $TB_LOCK"
	if ! flock -n 9; then
		tb_log "another testbed run holds $TB_LOCK; waiting for it"
		flock 9 || tb_die "flock $TB_LOCK failed"
	fi
}

# Wait until FILE contains PATTERN (grep -E) or PID dies or SECONDS pass.
# Returns 0 when seen.
# Returns 2 when FILE stopped growing for TB_STALL_S seconds (default 240): a
# system that prints nothing that long under TCG has hung (seen once: dom0's
# kernel stopped at 5.8 s of boot and the run waited out its 10 minutes).
TB_STALL_S=${TB_STALL_S:-240}
tb_wait_for() {
	local file=$1 pattern=$2 pid=$3 secs=$4 i size=-1 now still=0
	for ((i = 0; i < secs * 2; i++)); do
		grep -qE "$pattern" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		now=$(stat -c %s "$file" 2>/dev/null || echo 0)
		if [ "$now" = "$size" ]; then
			still=$((still + 1))
			[ $still -ge $((TB_STALL_S * 2)) ] && return 2
		else
			still=0
			size=$now
		fi
		sleep 0.5
	done
	return 1
}
