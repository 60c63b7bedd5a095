// A model file that writes a marker file as soon as any of it runs: the test that no code of an
// untrusted workspace runs looks for the marker. It reaches the real `fs` through the engine's
// own functions (their Function constructor is of the runner's realm), as hostile code would.
export function markerModel(markerPath: string): string {
  return [
    "import { defineModel, F, tensor } from 'gradlens';",
    '',
    "const real = F.add.constructor('return process')() as { getBuiltinModule(id: string): { writeFileSync(p: string, s: string): void } };",
    `real.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(markerPath)}, 'the model file ran');`,
    '',
    'export const marker = defineModel({',
    '  inputs: {},',
    '  params: { w: tensor([1, 2]) },',
    '  forward: (_inputs, { w }) => F.sum(F.mul(w, w)),',
    '});',
    '',
  ].join('\n');
}
