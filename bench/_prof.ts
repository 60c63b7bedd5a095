import * as F from '../src/engine/F';
import { Rng } from '../src/engine/random';
import { Tensor } from '../src/engine/tensor';
import { checkModel } from '../src/gradcheck';
function rnd(n: number, seed: number, s = 1) { const r = new Rng(seed); return Float64Array.from({ length: n }, () => r.normal() * s); }
const [i,h,o,b]=process.argv[3].split(',').map(Number); const r = new Rng(9);
const X = new Tensor(rnd(b * i, 1), [b, i]); const y = new Tensor(Float64Array.from({ length: b }, () => r.int(o)), [b]);
let calls = 0;
const m = { name: 'mlp', inputs: { X, y }, params: { W1: new Tensor(rnd(i * h, 2, 0.1), [i, h]), b1: new Tensor(new Float64Array(h), [h]), W2: new Tensor(rnd(h * o, 3, 0.1), [h, o]), b2: new Tensor(new Float64Array(o), [o]) },
    forward: ({ X, y }: any, { W1, b1, W2, b2 }: any) => { calls++; return F.crossEntropy(F.add(F.matmul(F.tanh(F.add(F.matmul(X, W1), b1)), W2), b2), y); } };
const mode = process.argv[2] as any; const reps = Number(process.argv[4] ?? 20);
checkModel(m, { mode }); calls = 0;
const t = performance.now(); for (let k = 0; k < reps; k++) checkModel(m, { mode }); console.log(mode, ((performance.now()-t)/reps).toFixed(2), 'ms/check', calls / reps, 'forward calls/check');
