import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { fixedEpoch, fixturesDir, useTrees } from '../support/tree.js';
import { optionsTreeEdits } from './tree.js';

const newTree = useTrees();
const signing = ['--signing-key', join(fixturesDir, 'keys', 'golden-signing.key.pem')];

it('an incremental build notices a changed config file: the files of a service folder are inputs, like its service.json', async () => {
  const root = newTree(optionsTreeEdits());
  const out = join(root, 'output');
  const build = async () => {
    const run = await runCli(['build', '--root', root, '--out', out, '--format', 'json', ...signing], { cwd: root, env: { SOURCE_DATE_EPOCH: fixedEpoch } });
    expect(run.exitCode, run.stderr).toBe(0);
    return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { reused: number; built: number };
  };
  await build();
  const again = await build();
  expect(again.built).toBeGreaterThan(0);
  expect(again.reused).toBe(again.built);
  writeFileSync(join(root, 'services/worker/config/worker.ini'), '[queue]\nname = "priority"\n');
  expect((await build()).reused).toBe(0);
  expect(readFileSync(join(out, 'environments/onprem/compose/config/worker/config-1'), 'utf8')).toBe('[queue]\nname = "priority"\n');
});
