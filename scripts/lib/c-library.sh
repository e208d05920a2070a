# Building and installing one of rsspp's C libraries for C applications (install-dpdk-lib,
# install-owner-lib).
# shellcheck shell=bash

# install_c_library NAME VERSION PREFIX PC_IN "CFLAGS" "LIBS" HEADER... -- SOURCE...
# Compiles SOURCEs into libNAME.a and libNAME.so.VERSION (soname libNAME.so.MAJOR, symbols
# hidden but the API's), and installs them, HEADERs and PC_IN (with @PREFIX@ and @VERSION@
# filled in) under PREFIX, itself under DESTDIR when that is set (for packages: the files still
# name PREFIX).
install_c_library() {
    local name=$1 version=$2 prefix=$3 pc_in=$4 cflags=$5 libs=$6
    local root=${DESTDIR:-}$prefix
    shift 6
    local headers=() source
    while [ "$1" != -- ]; do headers+=("$1"); shift; done
    shift
    local major=${version%%.*} cc=${CC:-$(command -v cc || command -v clang)} build
    build=$(mktemp -d "/tmp/rsspp-$name-$$-XXXXXX")
    say "== compiling lib$name with $cc"
    for source in "$@"; do
        # shellcheck disable=SC2086 # the flags are words
        "$cc" -O2 -fPIC -fvisibility=hidden -Wall $cflags -c "$source" -o "$build/$(basename "$source" .c).o"
    done
    ar rcs "$build/lib$name.a" "$build"/*.o
    # shellcheck disable=SC2086
    "$cc" -shared -Wl,-soname,"lib$name.so.$major" -o "$build/lib$name.so.$version" "$build"/*.o $libs

    say "== installing lib$name into $root"
    install -d "$root/include" "$root/lib/pkgconfig"
    install -m 644 "${headers[@]}" "$root/include/"
    install -m 644 "$build/lib$name.a" "$root/lib/"
    install -m 755 "$build/lib$name.so.$version" "$root/lib/"
    ln -sf "lib$name.so.$version" "$root/lib/lib$name.so.$major"
    ln -sf "lib$name.so.$major" "$root/lib/lib$name.so"
    sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" "$pc_in" \
        > "$root/lib/pkgconfig/$(basename "$pc_in" .in)"
    rm -rf "$build"
    if [ -z "${DESTDIR:-}" ] && { [ "$prefix" = /usr/local ] || [ "$prefix" = /usr ]; }; then
        ldconfig 2>/dev/null || true
    fi
}
