// A model file whose check takes as long as a test needs: a custom op that spins `spin` loop turns
// in its forward, which every difference of the sweep runs (a slow line in the model's forward
// itself would run only a few times: the sweep replays the recorded ops). Its backward is
// `factor` times the right one (1: right), and `w` has `size`×`size` elements.
export function slowOpModel(opts: { spin: number; factor?: number; size?: number }): string {
  const size = opts.size ?? 12;
  return [
    "import { defineModel, defineOp, F, randn } from 'gradlens';",
    'const slowSquare = defineOp({',
    "  name: 'slowSquare',",
    '  forward: (w) => {',
    '    let spin = 0;',
    `    for (let i = 0; i < ${opts.spin}; i++) spin += i % 3;  // slow on purpose`,
    '    return F.add(F.mul(w, w), spin * 0);',
    '  },',
    `  backward: (dy, [w]) => [F.mul(dy, F.mul(w, ${2 * (opts.factor ?? 1)}))],`,
    '});',
    'export const slow = defineModel({',
    '  inputs: {},',
    `  params: { w: randn([${size}, ${size}], { seed: 2 }) },`,
    '  forward: (_i, { w }) => F.sum(slowSquare(w)),',
    '});',
    '',
  ].join('\n');
}
