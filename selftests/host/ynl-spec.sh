#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The YNL spec, module/uapi/noisetun.yaml, against the C header,
# module/uapi/noisetun.h: every enum value's name and number, every
# operation, the consts, the family and its multicast group, so that the
# two cannot drift (selftests/host/ynl_spec.py says what is compared).
# Run on the host by make check; prints KTAP. Needs python3 and
# python3-yaml (make deps).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "KTAP version 1"
	echo "1..1"
	echo "ok 1 - ynl-spec # SKIP python3-yaml is not installed (make deps)"
	exit 0
fi
# The kernel's schema check, when the YNL client is unpacked (make deps)
# and python3-jsonschema is there.
ynl=
if python3 -c 'import jsonschema' 2>/dev/null; then
	ynl=$("$top/scripts/ynl-client.sh" --path 2>/dev/null) ||
		echo "ynl-spec: no YNL client unpacked (make deps): the schema check is left out" >&2
else
	echo "ynl-spec: no python3-jsonschema (make deps): the schema check is left out" >&2
fi
exec python3 "$top/selftests/host/ynl_spec.py" "$top/module/uapi/noisetun.yaml" \
	"$top/module/uapi/noisetun.h" $ynl
