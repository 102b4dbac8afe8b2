#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check module/uapi/noisetun.yaml against module/uapi/noisetun.h.

The YNL spec and the C header describe one family; this makes sure they
cannot drift apart. Names follow YNL's rules for C (name-prefix + entry
name, upper case, '-' -> '_'). Checked, each a KTAP line:

  - every enum of the header is described by the spec (enum-name), and
    every enum the spec names exists in the header;
  - for each of them, the value names and their numbers are the same both
    ways (the __*_MAX / __*_ALL markers aside): attribute sets, flags and
    enum definitions, and the operations (commands) with their numbers;
  - the consts, the family name and version, the multicast group's name;
  - every attribute an operation or event lists exists in its set;
  - the numbers the header gives are what a C compiler makes of it
    (a _Static_assert per name, so the header parser here cannot fool
    itself).

With YNL_DIR (the kernel's tools/net/ynl and Documentation/netlink, from
scripts/ynl-client.sh), also: the spec passes the kernel's own
genetlink-legacy schema, loaded by the kernel's own YNL library (which
needs python3-jsonschema).

Usage: ynl_spec.py YAML HEADER [YNL_DIR]. Prints KTAP; exit 1 on any
failure.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml


def c_name(prefix, name):
    return (prefix + name).upper().replace('-', '_')


def parse_header(text):
    """The header's enums and #defines: {enum: [(NAME, value)]}, {NAME: text}."""
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    defines = dict(re.findall(r'^#define[ \t]+(\w+)[ \t]*(.*?)[ \t]*$', text, re.M))
    enums = {}
    for name, body in re.findall(r'enum\s+(\w+)\s*\{(.*?)\}\s*;', text, re.S):
        values, env, nxt = [], {}, 0
        for item in [i.strip() for i in body.split(',') if i.strip()]:
            if '=' in item:
                ident, expr = [p.strip() for p in item.split('=', 1)]
                expr = re.sub(r"(\d+)U\b", r"\1", " ".join(expr.split()))
                value = eval(expr, {}, dict(env))  # the header's own constants
            else:
                ident, value = item, nxt
            env[ident] = value
            values.append((ident, value))
            nxt = value + 1
        enums[name] = values
    return enums, defines


def spec_enums(spec):
    """What the spec says: {c enum name: [(NAME, value)]}, and the consts."""
    enums, consts = {}, {}
    for d in spec.get('definitions', []):
        prefix = d.get('name-prefix', spec['name'] + '-' + d['name'] + '-')
        if d['type'] == 'const':
            consts[c_name(prefix, d['name'])] = d['value']
            continue
        ename = d.get('enum-name', spec['name'] + '-' + d['name']).replace('-', '_')
        values = []
        for i, e in enumerate(d['entries']):
            e = e if isinstance(e, dict) else {'name': e}
            if d['type'] == 'flags':
                value = 1 << (d.get('value-start', 0) + i)
            else:
                value = d.get('value-start', 0) + i
            values.append((c_name(prefix, e['name']), e.get('value', value)))
        enums[ename] = values
    for s in spec['attribute-sets']:
        ename = s['enum-name'].replace('-', '_')
        values, nxt = [], 1
        for a in s['attributes']:
            value = a.get('value', nxt)
            values.append((c_name(s['name-prefix'], a['name']), value))
            nxt = value + 1
        enums[ename] = values
    ops = spec['operations']
    values, nxt = [], 1
    for o in ops['list']:
        value = o.get('value', nxt)
        values.append((c_name(ops['name-prefix'], o['name']), value))
        nxt = value + 1
    enums[ops['enum-name'].replace('-', '_')] = values
    return enums, consts


class Ktap:
    def __init__(self):
        self.lines, self.failed, self.n = [], 0, 0

    def check(self, ok, desc, why=()):
        self.n += 1
        n = self.n
        self.lines.append(('ok' if ok else 'not ok') + ' %d - %s' % (n, desc))
        if not ok:
            self.failed += 1
            self.lines.extend('# ' + w for w in why)

    def done(self):
        print('KTAP version 1')
        print('1..%d' % self.n)
        print('\n'.join(self.lines))
        return 1 if self.failed else 0


def main(yaml_path, header_path, ynl_dir=None):
    t = Ktap()
    spec = yaml.safe_load(open(yaml_path))
    header_text = open(header_path).read()
    h_enums, defines = parse_header(header_text)
    s_enums, consts = spec_enums(spec)

    def real(values):
        return [(n, v) for n, v in values if not n.startswith('__')]

    t.check(set(h_enums) == set(s_enums),
            'the spec describes every enum of the header, and no other',
            ['only in the header: %s' % sorted(set(h_enums) - set(s_enums)),
             'only in the spec: %s' % sorted(set(s_enums) - set(h_enums))])
    for ename in sorted(set(h_enums) & set(s_enums)):
        h, s = dict(real(h_enums[ename])), dict(s_enums[ename])
        why = ['%s: header %s, spec %s' % (n, h.get(n), s.get(n))
               for n in sorted(set(h) | set(s)) if h.get(n) != s.get(n)]
        t.check(not why, 'enum %s: %d names, each with the same number' %
                (ename, len(h)), why)
        # The MAX marker follows the last value (attribute sets, commands).
        marker = [n for n, _ in h_enums[ename] if n.startswith('__') and n.endswith('_MAX')]
        if marker:
            last = max(h.values())
            t.check(dict(h_enums[ename])[marker[0]] == last + 1,
                    'enum %s: %s comes right after its last value' % (ename, marker[0]))

    for name, value in sorted(consts.items()):
        got = defines.get(name, '').replace('U', '')
        try:
            got = eval(got, {}, {})
        except Exception:
            pass
        t.check(got == value, 'const %s is %s in both' % (name, value),
                ['header: %r' % defines.get(name)])
    fam = c_name('', spec['c-family-name'])
    t.check(defines.get(fam) == '"%s"' % spec['name'],
            '%s is "%s"' % (fam, spec['name']), ['header: %r' % defines.get(fam)])
    ver = c_name('', spec['c-version-name'])
    t.check(ver in defines, '%s is defined' % ver)
    groups = [g['name'] for g in spec['mcast-groups']['list']]
    why = [g for g in groups
           if defines.get(c_name(spec['name'] + '-mcgrp-', g)) != '"%s"' % g]
    t.check(not why, 'multicast groups %s are defined by name' % groups, why)

    # Every attribute an operation uses exists in its attribute set.
    sets = {s['name']: {a['name'] for a in s['attributes']} for s in spec['attribute-sets']}
    why = []
    for o in spec['operations']['list']:
        aset = sets.get(o.get('attribute-set'), set())
        lists = []
        for kind in ('do', 'dump'):
            for part in ('request', 'reply'):
                lists.append(o.get(kind, {}).get(part, {}).get('attributes', []))
        lists.append(o.get('event', {}).get('attributes', []))
        for attrs in lists:
            why.extend('%s: %s' % (o['name'], a) for a in attrs if a not in aset)
        if 'event' in o and o.get('mcgrp') not in groups:
            why.append('%s: mcgrp %r' % (o['name'], o.get('mcgrp')))
    t.check(not why, 'every attribute an operation or event lists is in its set', why)

    # What the C compiler makes of the header, name by name.
    asserts = ['#include "%s"' % os.path.abspath(header_path)]
    for ename, values in sorted(s_enums.items()):
        asserts.extend('_Static_assert((long long)%s == %dLL, "%s");' % (n, v, n) for n, v in values)
    asserts.extend('_Static_assert((long long)%s == %dLL, "%s");' % (n, v, n) for n, v in consts.items())
    with tempfile.NamedTemporaryFile('w', suffix='.c', delete=False) as f:
        f.write('\n'.join(asserts) + '\n')
    try:
        r = subprocess.run(['cc', '-fsyntax-only', '-std=gnu11', f.name],
                           capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    t.check(r.returncode == 0,
            'the C compiler agrees with every number (%d names)' % (len(asserts) - 1),
            r.stderr.splitlines()[:20])
    if ynl_dir:
        why = []
        try:
            sys.path.insert(0, os.path.join(ynl_dir, 'tools/net/ynl'))
            from lib import SpecFamily
            SpecFamily(yaml_path, os.path.join(
                ynl_dir, 'Documentation/netlink/genetlink-legacy.yaml'))
        except Exception as e:  # the schema's or the library's complaint
            why = str(e).splitlines()[:20]
        t.check(not why, "the kernel's YNL library loads the spec, checked "
                "against its genetlink-legacy schema", why)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
