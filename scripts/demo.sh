#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build the module (DEBUG=1) and tunctl, boot the test kernel
# under QEMU, and run selftests/vm/demo.sh there; its output is shown live.
# Exit 0 when the demo's checks passed.
set -uo pipefail

. "$(dirname "$0")/env.sh"
out=$top/.cache/demo
rm -rf "$out"
mkdir -p "$out"
jobs=$(nproc 2>/dev/null || echo 2)

echo "# demo: building noisetun.ko (DEBUG=1) and tunctl for $KVER"
if ! $MAKE --no-print-directory -j"$jobs" module DEBUG=1 >"$out/build.log" 2>&1 || [ ! -f noisetun.ko ]; then
	tail -n 30 "$out/build.log"
	echo "# demo: the module does not build; nothing to show"
	exit 1
fi
if ! $MAKE --no-print-directory -j"$jobs" tools >>"$out/build.log" 2>&1 || [ ! -x tools/tunctl ]; then
	tail -n 30 "$out/build.log"
	echo "# demo: tools/tunctl does not build; nothing to show"
	exit 1
fi

selftests/vm/build-initramfs.sh --kver "$KVER" --out "$out/initramfs.cpio.gz" \
	--module "$top/noisetun.ko" --tunctl "$top/tools/tunctl" \
	--config NT_MODE=demo || exit 1
selftests/vm/run-qemu.sh --kver "$KVER" --initrd "$out/initramfs.cpio.gz" \
	--results "$out/results.ktap" --console "$out/console.log" --timeout 600 || exit 1

# Result lines of the demo and of the kernel health check.
echo
grep -E '^(not )?ok [0-9]+ ' "$out/results.ktap"
! grep -q -E '^not ok ' "$out/results.ktap"
