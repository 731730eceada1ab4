#!/usr/bin/env bash
# Checks a package that build-deb.sh made, without installing it: the files it holds, its
# control files and maintainer scripts, its binary run from an unpacked copy, and its systemd
# unit where systemd-analyze is at hand.
#
#   packaging/check-deb.sh [PACKAGE.deb]    (by default the newest target/debian/tsos_*.deb)
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
    echo "check-deb.sh: $*" >&2
    exit 1
}

deb=${1:-$(ls -t target/debian/tsos_*_amd64.deb 2>/dev/null | head -n 1)}
[[ -f $deb ]] || fail "нет пакета; сначала packaging/build-deb.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== $deb: contents"
dpkg-deb --contents "$deb" | tee "$work/contents"
# The sixth column is the path; a symlink adds « -> target» after it.
awk '{ print $6 }' "$work/contents" >"$work/paths"
for path in \
    ./usr/bin/tsos \
    ./usr/lib/systemd/system/tsos.service \
    ./etc/tsos/tsos.toml \
    ./usr/share/doc/tsos/settings.md \
    ./usr/share/man/man1/tsos.1.gz \
    ./usr/share/man/man1/tsos-serve.1.gz \
    ./usr/share/man/man1/tsos-import.1.gz \
    ./usr/share/bash-completion/completions/tsos \
    ./usr/share/zsh/vendor-completions/_tsos \
    ./usr/share/fish/vendor_completions.d/tsos.fish; do
    grep -qxF "$path" "$work/paths" || fail "в пакете нет $path"
done
grep -qE '^-rwxr-xr-x (0/0|root/root) .* \./usr/bin/tsos$' "$work/contents" ||
    fail "/usr/bin/tsos не исполняемый или не принадлежит root"

echo "== control files and maintainer scripts"
dpkg-deb -e "$deb" "$work/control"
cat "$work/control/control"
grep -qx 'Package: tsos' "$work/control/control" || fail "пакет называется не tsos"
grep -q '^Depends:.*adduser' "$work/control/control" || fail "нет зависимости от adduser"
grep -qx '/etc/tsos/tsos.toml' "$work/control/conffiles" || fail "/etc/tsos/tsos.toml не conffile"
for script in postinst prerm postrm; do
    [[ -x $work/control/$script ]] || fail "нет исполняемого $script"
    sh -n "$work/control/$script" || fail "$script: ошибка синтаксиса"
    ! grep -q '#DEBHELPER#' "$work/control/$script" || fail "$script: #DEBHELPER# не заменен"
done
grep -q 'adduser --system' "$work/control/postinst" || fail "postinst не создает пользователя tsos"
grep -q 'deb-systemd-helper' "$work/control/postinst" || fail "postinst не регистрирует службу"
grep -q 'rm -rf /var/lib/tsos' "$work/control/postrm" || fail "postrm purge не удаляет /var/lib/tsos"
echo "postinst, prerm, postrm: sh -n без ошибок"

echo "== the binary, unpacked"
root=$work/root
dpkg-deb -x "$deb" "$root"
tsos=$root/usr/bin/tsos
"$tsos" --version
# The packaged sample settings, read by the packaged binary (its database aside).
"$tsos" --config "$root/etc/tsos/tsos.toml" --db "$work/settings.db" snapshots >/dev/null
echo "образец настроек принят"
(cd "$work" && "$tsos" demo --no-serve --schools 20 --out "$work/demo" >"$work/demo.log")
grep -q 'Веб-панель: tsos --db' "$work/demo.log" || fail "demo --no-serve: $(cat "$work/demo.log")"
echo "demo --no-serve: $(grep -c . "$work/demo.log") строк вывода"
zcat "$root/usr/share/man/man1/tsos.1.gz" | grep -q 'tsos\\-serve(1)' || fail "tsos.1 не называет tsos-serve"

echo "== the systemd unit"
if command -v systemd-analyze >/dev/null; then
    # verify wants ExecStart's program to exist: here it is the unpacked one. It only warns
    # about an unknown key or a bad value, and exits 0, so any output is a failure; --man=no,
    # since the manual pages are not installed here.
    sed "s|^ExecStart=/usr/bin/tsos|ExecStart=$tsos|" \
        "$root/usr/lib/systemd/system/tsos.service" >"$work/tsos.service"
    verified=$(systemd-analyze verify --man=no "$work/tsos.service" 2>&1) ||
        fail "systemd-analyze verify: $verified"
    [[ -z $verified ]] || fail "systemd-analyze verify: $verified"
    echo "systemd-analyze verify: без замечаний"
else
    echo "systemd-analyze нет (пакет systemd): проверка юнита пропущена"
fi
echo "== install, reinstall, remove and purge, in a throwaway copy of this system"
# An overlay over / in a private mount namespace: dpkg runs the real maintainer scripts
# (adduser, deb-systemd-helper) and everything they change vanishes with the namespace. It
# needs root allowed to mount (not every container is); otherwise it is skipped.
cat >"$work/install.sh" <<'INSIDE'
set -eu
fail() { echo "check-deb.sh, установка: $*" >&2; exit 1; }
dpkg -i /root/tsos.deb >/dev/null
getent passwd tsos >/dev/null || fail "нет пользователя tsos"
[ "$(stat -c '%U:%G %a' /var/lib/tsos)" = "tsos:tsos 750" ] || fail "/var/lib/tsos: $(stat -c '%U:%G %a' /var/lib/tsos)"
dpkg -i /root/tsos.deb >/dev/null || fail "повторная установка"
cd /
runuser -u tsos -- tsos user add admin --role admin --password 'пароль для проверки' >/dev/null
[ -f /var/lib/tsos/tsos.db ] || fail "команда от имени tsos не взяла базу из /etc/tsos/tsos.toml"
[ "$(systemctl is-enabled tsos 2>/dev/null)" = disabled ] || fail "служба включена при установке"
man -w tsos-serve >/dev/null 2>&1 || ! command -v man >/dev/null || fail "man не находит tsos-serve"
dpkg --remove tsos >/dev/null
[ -f /var/lib/tsos/tsos.db ] || fail "remove удалил базу"
dpkg --purge tsos >/dev/null
[ ! -e /var/lib/tsos ] && [ ! -e /etc/tsos ] || fail "purge оставил /var/lib/tsos или /etc/tsos"
echo "установка, повторная установка, remove и purge: как ожидалось"
INSIDE
overlay=$work/overlay
mkdir -p "$overlay/upper" "$overlay/work" "$overlay/root"
if [[ $(id -u) == 0 ]] && command -v unshare >/dev/null &&
    unshare -m --fork mount -t overlay overlay \
        -o "lowerdir=/,upperdir=$overlay/upper,workdir=$overlay/work" "$overlay/root" 2>/dev/null; then
    cp "$deb" "$overlay/upper/tsos.deb"
    unshare -m --fork sh -c '
        set -e
        root=$1/root
        mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$root"
        mount --rbind /proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount -t tmpfs tmpfs "$root/tmp"
        mv "$root/tsos.deb" "$root/root/tsos.deb"
        chroot "$root" sh -s <"$2"
    ' sh "$overlay" "$work/install.sh"
else
    echo "нельзя смонтировать overlay (нужен root с правом mount): проверка установки пропущена"
fi
echo "== $deb: OK"
