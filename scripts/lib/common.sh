# Shared by the scripts: where things are, and installing the system packages they need.
# shellcheck shell=bash

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PATH="/opt/swift/usr/bin:$PATH"

say() { printf '%s\n' "$*" >&2; }

# ensure_packages PKG...: installs the Debian packages that are missing (as root), or says what
# to install and fails.
ensure_packages() {
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        say "missing system packages: ${missing[*]}"
        say "install them with: sudo apt-get install ${missing[*]}"
        return 1
    fi
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What building rsspp needs: libpcap for capture replay, libbpf for the XDP counter (compiled by
# the toolchain's own clang with its BPF target, against the kernel's uapi headers), DPDK
# (headers, libraries, and the net_null, net_pcap and net_ring PMDs the tests use) for dpdk:, and
# libjansson for the owner library's control socket.
build_packages=(libpcap-dev libbpf-dev linux-libc-dev pkg-config libdpdk-dev libjansson-dev)
