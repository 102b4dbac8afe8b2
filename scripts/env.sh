# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the scripts that build the module and boot the test kernel
# (check.sh, demo.sh): moves to the top of the tree ($top), defaults $MAKE,
# and works out and exports $KVER (here, after make deps: the headers may
# be new).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1
: "${MAKE:=make}"
: "${KVER:=$(scripts/kver.sh)}"
export KVER
