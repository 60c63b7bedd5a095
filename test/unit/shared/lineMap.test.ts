// Where a check's lines went when the user typed during it (src/shared/lineMap.ts).
import * as assert from 'node:assert/strict';
import { lineMap } from '../../../src/shared/lineMap';

const text = ['import', 'model a', '  forward', 'model b', '  backward', 'end'].join('\n');

describe('lineMap', () => {
  it('moves the lines after an inserted line down, and keeps those before', () => {
    const map = lineMap(text, ['// a comment typed during the check', ...text.split('\n')].join('\n'));
    assert.deepEqual([0, 1, 4, 5].map(map), [1, 2, 5, 6]);
  });

  it('drops the lines of the edited block, moves the rest by the change in length', () => {
    const edited = text.split('\n');
    edited.splice(2, 1, '  forward (edited)', '  and one more line');
    const map = lineMap(text, edited.join('\n'));
    assert.deepEqual([0, 1, 2, 3, 4, 5].map(map), [0, 1, undefined, 4, 5, 6]);
  });

  it('maps every line to itself when nothing changed, and nothing outside the text', () => {
    const map = lineMap(text, text);
    assert.deepEqual([0, 3, 5].map(map), [0, 3, 5]);
    assert.equal(map(6), undefined);
    assert.equal(map(-1), undefined);
  });

  it('a deleted block: the lines after it move up; a line repeated at the edges is matched once', () => {
    const lines = ['x', 'x', 'y', 'x', 'x'];
    const map = lineMap(lines.join('\n'), ['x', 'x', 'x', 'x'].join('\n'));
    assert.deepEqual(lines.map((_, i) => map(i)), [0, 1, undefined, 2, 3]);
  });
});
