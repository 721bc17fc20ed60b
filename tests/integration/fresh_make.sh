# The README's first commands, `make run` and `make check`, work as the very first command
# on a fresh Debian machine: there pkg-config and the -dev packages only exist once
# tools/install-deps.sh has installed them, so flags read before that are empty and the
# link fails ("undefined reference to `zip_open'").
# The fresh machine is simulated on PATH: dpkg-query reports nothing installed and
# pkg-config answers nothing until apt-get (a stub that only records what it was asked to
# install) has run; after that pkg-config is the real one. `make -n` (which still remakes
# the Makefile's generated parts, as a real first run does) must then print link commands
# holding the libraries, after the real tools/install-deps.sh asked for the packages.
. tests/lib/common.sh
ROOT=${RQ_ROOT:-$PWD}
REAL_PKGCONFIG=$(command -v pkg-config || true)
if [ -z "$REAL_PKGCONFIG" ] || ! command -v make >/dev/null; then
    echo "SKIP: needs make and pkg-config"
    finish
fi

fake=$T/fakebin
mark=$T/installed
mkdir -p "$fake"
cat >"$fake/pkg-config" <<EOF
#!/bin/sh
# absent until the packages are "installed"
if [ ! -e "$mark" ]; then echo "pkg-config \$* before install" >>"$T/calls"; exit 127; fi
echo "pkg-config \$* after install" >>"$T/calls"
exec "$REAL_PKGCONFIG" "\$@"
EOF
cat >"$fake/dpkg-query" <<EOF
#!/bin/sh
[ -e "$mark" ] && printf 'install ok installed' && exit 0
exit 1
EOF
cat >"$fake/apt-get" <<EOF
#!/bin/sh
echo "apt-get \$*" >>"$T/calls"
case " \$* " in *" install "*) : >"$mark" ;; esac
exit 0
EOF
cat >"$fake/id" <<'EOF'
#!/bin/sh
[ "$1" = -u ] && { echo 0; exit 0; }
exec /usr/bin/id "$@"
EOF
chmod +x "$fake"/*

first_command() { # name goal: make -n GOAL on the fresh machine; prints its output file
    local name=$1 goal=$2 b=$T/build-$1
    rm -f "$mark" "$T/calls"
    if ! (cd "$ROOT" && PATH="$fake:$PATH" make -n --no-print-directory BUILD="$b" "$goal") \
        >"$T/$name.out" 2>"$T/$name.err"; then
        fail "make -n $goal on a fresh machine: $(tail -3 "$T/$name.err")"
        return 1
    fi
    grep -q "apt-get install.*pkg-config.*libzip-dev.*libjson-c-dev.*libpng-dev" "$T/calls" &&
        pass "$goal: tools/install-deps.sh installs pkg-config and the -dev packages first" ||
        fail "$goal: no install of the build packages: $(cat "$T/calls")"
    if grep -q "before install" "$T/calls"; then
        fail "$goal: pkg-config asked before the packages were installed"
    elif grep -q "after install" "$T/calls"; then
        pass "$goal: pkg-config asked only once the packages are installed"
    else
        fail "$goal: pkg-config never asked: $(cat "$T/calls")"
    fi
    return 0
}

links_with_libs() { # name binary: the printed link command of BINARY names every library
    local line
    line=$(grep -E -- "-o $2( |\$)" "$T/$1.out" | head -1)
    if [ -z "$line" ]; then
        fail "$1: no link command for $2 in make -n output"
    elif echo "$line" | grep -q -- "-lzip" && echo "$line" | grep -q -- "-ljson-c" &&
        echo "$line" | grep -q -- "-lpng"; then
        pass "$1: $2 links with -lzip -ljson-c -lpng"
    else
        fail "$1: $2 link lacks the libraries: $line"
    fi
}

if first_command run run; then
    links_with_libs run "$T/build-run/rppgq"
    grep -q "^$T/build-run/rppgq run\$" "$T/run.out" && pass "run: then runs rppgq run" ||
        fail "run: rppgq run not in the plan"
fi
if first_command check check; then
    links_with_libs check "$T/build-check/rppgq"
    links_with_libs check "$T/build-check/asan/rppgq"
fi

# The README says what gets installed: every package tools/install-deps.sh may install.
pkgs=$(sed -n 's/^\(build\|test\)_pkgs="\(.*\)"$/\2/p' "$ROOT/tools/install-deps.sh")
missing=
for p in $pkgs npm; do grep -qw -- "$p" "$ROOT/README.md" || missing="$missing $p"; done
[ -n "$pkgs" ] && [ -z "$missing" ] && pass "README names every package tools/install-deps.sh installs" ||
    fail "README does not name:${missing:- (no package list found)}"
finish
