// Random streams keyed by what they are for and by the parameter's name, never by the order in
// which tensors are visited: any subset of a model's parameters, checked in any worker, draws
// exactly what a check of the whole model draws for them. That is what lets the pool split a
// check by parameters and merge the shares into the one-worker report without replaying streams.
import { Rng } from '../engine/random';

export type StreamPurpose = 'projection' | 'directions' | 'taylor' | 'op';

const PURPOSE: Record<StreamPurpose, number> = { projection: 1, directions: 2, taylor: 3, op: 4 };

/** The stream for `purpose` (and a parameter or op-site name) under the user's seed. */
export function streamFor(seed: number, purpose: StreamPurpose, name = ''): Rng {
  // FNV-1a over the name, mixed with the seed and the purpose.
  let h = 0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(PURPOSE[purpose], 0x85ebca6b);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return new Rng(h >>> 0);
}
