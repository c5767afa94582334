#!/bin/sh
# gs1 is pure (docs/architecture.md "Layers"): its static library must not reference the heap,
# files, sockets or stdio. Usage: check_no_io.sh path/to/libpackid_gs1.a
set -eu
lib=$1
[ -f "$lib" ] || { echo "no such library: $lib" >&2; exit 2; }
banned='malloc calloc realloc reallocarray free strdup strndup aligned_alloc posix_memalign
fopen fdopen freopen fclose fread fwrite fgets fputs fputc fprintf printf vprintf puts putchar
open openat creat close read write pread pwrite lseek stat fstat mmap munmap opendir
socket connect bind listen accept accept4 send recv sendto recvfrom sendmsg recvmsg
getaddrinfo gethostbyname getenv system popen exit abort'
undef=$(nm -u "$lib" | awk 'NF >= 2 {print $NF}' | sed 's/@.*//' | sort -u)
bad=0
for s in $banned; do
    if printf '%s\n' "$undef" | grep -qx -e "$s" -e "__${s}_chk" -e "${s}64"; then
        echo "$(basename "$lib") references $s" >&2
        bad=1
    fi
done
[ $bad -eq 0 ] && echo "ok: no heap, file, socket or stdio symbols in $lib"
exit $bad
