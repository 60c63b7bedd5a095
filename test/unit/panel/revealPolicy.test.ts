// The reveal predicate on a real temporary workspace: only the followed document, or an existing
// file inside a workspace folder, may be opened from a webview message.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isInside, mayReveal, revealRefusal } from '../../../src/extension/panel/revealPolicy';

describe('panel reveal policy', () => {
  let root: string;
  let ws: string;
  let model: string;
  let outside: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-reveal-'));
    ws = path.join(root, 'ws');
    fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
    model = path.join(ws, 'src', 'mlp.ts');
    fs.writeFileSync(model, 'export {};\n');
    // A sibling whose name starts like the folder's: a prefix test would wrongly accept it.
    fs.mkdirSync(path.join(root, 'ws-secrets'));
    outside = path.join(root, 'ws-secrets', 'key.ts');
    fs.writeFileSync(outside, 'secret\n');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('allows an existing file inside a workspace folder', () => {
    assert.equal(revealRefusal(model, { folders: [ws] }), undefined);
    assert.ok(mayReveal(model, { folders: ['/elsewhere', ws] }));
  });

  it('refuses a file outside every workspace folder, including a sibling with the same prefix', () => {
    assert.equal(revealRefusal(outside, { folders: [ws] }), 'outside the workspace folders');
    assert.equal(revealRefusal('/etc/passwd', { folders: [ws] }), 'outside the workspace folders');
    assert.equal(mayReveal(model, { folders: [] }), false);
  });

  it('refuses paths that climb out of a folder with ..', () => {
    const climbing = `${ws}${path.sep}src${path.sep}..${path.sep}..${path.sep}ws-secrets${path.sep}key.ts`;
    assert.equal(fs.existsSync(climbing), true);
    assert.equal(mayReveal(climbing, { folders: [ws] }), false);
    assert.equal(isInside(`${ws}/src/../src/mlp.ts`, ws), true);
  });

  it('refuses a missing file, a directory, the folder itself, and a relative path', () => {
    assert.equal(revealRefusal(path.join(ws, 'src', 'gone.ts'), { folders: [ws] }), 'no such file');
    assert.equal(revealRefusal(path.join(ws, 'src'), { folders: [ws] }), 'no such file');
    assert.equal(revealRefusal(ws, { folders: [ws] }), 'outside the workspace folders');
    assert.equal(revealRefusal('src/mlp.ts', { folders: [ws] }), 'not an absolute path');
  });

  it('allows the followed document even outside the workspace or unsaved (untitled)', () => {
    assert.ok(mayReveal(outside, { followed: outside, folders: [ws] }));
    assert.ok(mayReveal('Untitled-1', { followed: 'Untitled-1', folders: [] }));
    // ...but only that exact document.
    assert.equal(mayReveal('Untitled-2', { followed: 'Untitled-1', folders: [] }), false);
  });
});
