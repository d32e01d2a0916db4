// The offline images: which mirror the base image is bootstrapped from (read from apt's sources, both
// formats), tags that change with every input and only then, and docker-compose.yml as Debian's
// docker-compose reads it. Pure except the last part, which skips saying why without docker-compose.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { debianMirror, parseDeb822, parseOneLine } from '../../src/testbed/image/apt-mirror.ts';
import { baseImageTag, DEFAULT_BASE_RECIPE } from '../../src/testbed/image/base-image.ts';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { nodeImageTag, type NodeImageInputs } from '../../src/testbed/image/node-image.ts';
import { skipForMissing } from '../support/skip.ts';

const MIRROR = 'http://mirror.invalid/debian';

describe('images: the apt mirror', () => {
  it('reads deb822 stanzas, skipping deb-src and disabled ones, continuation lines included', () => {
    const text = [
      'Types: deb-src',
      `URIs: ${MIRROR}-src`,
      'Suites: bookworm',
      '',
      'Types: deb',
      'URIs: http://off.invalid/debian',
      'Suites: bookworm',
      'Enabled: no',
      '',
      '# a comment',
      'Types: deb deb-src',
      `URIs: ${MIRROR}/`,
      'Suites: bookworm bookworm-updates',
      'Components: main',
      'Signed-By:',
      ' -----BEGIN PGP PUBLIC KEY BLOCK-----',
      ' .',
      '',
    ].join('\n');
    assert.deepEqual(parseDeb822(text, 'f.sources'), [
      { uri: `${MIRROR}/`, suites: ['bookworm', 'bookworm-updates'], file: 'f.sources' },
    ]);
  });

  it('reads one-line sources with options, ignoring comments and deb-src', () => {
    const text = [
      '# deb http://commented.invalid/debian bookworm main',
      `deb-src ${MIRROR} bookworm main`,
      `deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] ${MIRROR} bookworm main contrib`,
    ].join('\n');
    assert.deepEqual(parseOneLine(text, 'sources.list'), [
      { uri: MIRROR, suites: ['bookworm'], file: 'sources.list' },
    ]);
  });

  it('picks the source of the suite (not the security one), and says where it looked when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vrr-apt-'));
    try {
      mkdirSync(join(dir, 'd'));
      writeFileSync(
        join(dir, 'd/debian.sources'),
        `Types: deb\nURIs: ${MIRROR}-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: ${MIRROR}\nSuites: bookworm\n`,
      );
      const paths = { list: join(dir, 'sources.list'), dir: join(dir, 'd') };
      assert.equal(debianMirror('bookworm', paths), MIRROR);
      assert.throws(
        () => debianMirror('trixie', paths),
        /no apt source serves the Debian suite trixie.*bookworm-security/s,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('images: content tags', () => {
  const inputs: NodeImageInputs = {
    baseTag: 'vrr-lab/base:0123456789abcdef',
    bundleHash: 'b'.repeat(64),
    dockerfile: 'ARG BASE\nFROM ${BASE}\n',
    wrappers: { vrrd: '#!/bin/sh\n', vrrctl: '#!/bin/sh\n' },
    packageJson: '{"version":"0.1.0"}',
    nodeHash: 'n'.repeat(64),
  };

  it('gives the same node tag for the same inputs, whatever the wrapper order', () => {
    const tag = nodeImageTag(inputs);
    assert.match(tag, /^vrr-lab\/node:[0-9a-f]{16}$/);
    assert.equal(nodeImageTag({ ...inputs, wrappers: { vrrctl: '#!/bin/sh\n', vrrd: '#!/bin/sh\n' } }), tag);
  });

  it('gives a new node tag when any input changes', () => {
    const tag = nodeImageTag(inputs);
    const changed: NodeImageInputs[] = [
      { ...inputs, baseTag: 'vrr-lab/base:fedcba9876543210' },
      { ...inputs, bundleHash: 'c'.repeat(64) },
      { ...inputs, dockerfile: `${inputs.dockerfile}LABEL x=y\n` },
      { ...inputs, wrappers: { ...inputs.wrappers, vrrd: '#!/bin/sh\nexec true\n' } },
      { ...inputs, packageJson: '{"version":"0.2.0"}' },
      { ...inputs, nodeHash: 'm'.repeat(64) },
    ];
    const tags = changed.map(nodeImageTag);
    for (const t of tags) assert.notEqual(t, tag);
    assert.equal(new Set(tags).size, tags.length);
  });

  it('gives a new base tag when the package list or the suite changes, not when the order does', () => {
    const tag = baseImageTag();
    assert.match(tag, /^vrr-lab\/base:[0-9a-f]{16}$/);
    assert.equal(
      baseImageTag({ ...DEFAULT_BASE_RECIPE, packages: [...DEFAULT_BASE_RECIPE.packages].reverse() }),
      tag,
    );
    assert.notEqual(
      baseImageTag({ ...DEFAULT_BASE_RECIPE, packages: [...DEFAULT_BASE_RECIPE.packages, 'less'] }),
      tag,
    );
    assert.notEqual(baseImageTag({ ...DEFAULT_BASE_RECIPE, suite: 'trixie' }), tag);
  });
});

describe('images: docker-compose.yml', () => {
  it('parses with docker-compose and defines the testbed service as documented', async function () {
    const which = await execa('docker-compose', ['version', '--short'], { reject: false });
    if (which.failed) {
      skipForMissing(
        this,
        'the docker-compose.yml check',
        `docker-compose is not installed (${which.shortMessage ?? which.message})`,
      );
    }
    const r = await execa('docker-compose', ['-f', join(REPO_ROOT, 'docker-compose.yml'), 'config'], {
      reject: false,
      cwd: REPO_ROOT,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const config = String(r.stdout);
    assert.match(config, /^services:\n {2}testbed:\n/m);
    assert.match(config, /network_mode: host/);
    assert.match(config, /pid: host/);
    assert.match(config, /- SYS_ADMIN/);
    assert.match(config, /\/var\/run\/docker.sock:\/var\/run\/docker.sock/);
    assert.match(config, /\/run\/vrr-testbed:\/run\/vrr-testbed/);
    assert.doesNotMatch(config, /privileged/);
  });
});
