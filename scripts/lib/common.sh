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
# the toolchain's own clang with its BPF target, against the kernel's uapi headers), libxdp for
# running it in libxdp's multi-program dispatcher, DPDK (headers, libraries, and the net_null,
# net_pcap and net_ring PMDs the tests use) for dpdk:, and libjansson for the owner library's
# control socket.
build_packages=(libpcap-dev libbpf-dev libxdp-dev linux-libc-dev pkg-config libdpdk-dev libjansson-dev)
# What the tests need besides: mandoc for the man page lint, iproute2 and ethtool for the veth
# tests, xdp-tools (xdp-loader) for another user's program in libxdp's dispatcher,
# prometheus_client's text-format parser, which reads rss-report's metrics file, and
# systemd-analyze, which checks the installed rsspp@.service (nothing is started).
test_packages=(mandoc iproute2 ethtool xdp-tools python3-prometheus-client systemd)

# field NAME LINE: the number after "NAME": in a JSON line.
field() { grep -o "\"$1\":[0-9.e+-]*" <<< "$2" | head -1 | cut -d: -f2; }
# stats: "MIN MEDIAN MAX" of the numbers on stdin, one a line.
stats() { sort -g | awk '{v[NR]=$1} END {print v[1], (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2, v[NR]}'; }
median() { stats | cut -d' ' -f2; }

# replace_section FILE HEADING: FILE with its section HEADING (from that line to the next "## "
# heading) left out and the section on stdin added at the end, replaced whole (temporary file, rename).
replace_section() {
    { awk -v heading="$2" '
          $0 == heading { skip = 1; next }
          skip && /^## / { skip = 0 }
          skip { next }
          /^$/ { blanks++; next }
          { for (; blanks > 0; blanks--) print ""; print }' "$1"
      echo; cat; } > "$1.new"
    mv "$1.new" "$1"
}
# markdown_section FILE HEADING: that section of FILE, from its heading to the next "## " heading.
markdown_section() { awk -v heading="$2" '$0 == heading {keep = 1; print; next} keep && /^## / {keep = 0} keep' "$1"; }

# hugepages_reserve PAGES DIR: adds PAGES 2 MB pages to the kernel's pool (under the lock the
# DPDK tests take too, so that concurrent reservations add up) and mounts hugetlbfs on DIR.
# hugepages_release undoes both; call it from the script's EXIT trap.
hugepages_pages=0 hugepages_mount=
hugepages_adjust() {
    (flock 9; echo $(( $(cat /proc/sys/vm/nr_hugepages) + $1 )) > /proc/sys/vm/nr_hugepages) \
        9>/tmp/rsspp-dpdk-hugepages.lock
}
hugepages_reserve() {
    hugepages_adjust "$1"
    hugepages_pages=$1
    mkdir "$2"
    mount -t hugetlbfs -o pagesize=2M,size=$(( $1 * 2 ))M nodev "$2"
    hugepages_mount=$2
}
hugepages_release() {
    [ -n "$hugepages_mount" ] && mountpoint -q "$hugepages_mount" && umount "$hugepages_mount"
    [ "$hugepages_pages" -gt 0 ] && hugepages_adjust "-$hugepages_pages"
    hugepages_pages=0 hugepages_mount=
}
