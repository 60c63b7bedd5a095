// Activation functions by name, for layers that take one as an option.
import * as F from '../F';
import { GradlensError, Tensor } from '../tensor';

export type ActivationName = 'sigmoid' | 'tanh' | 'relu' | 'gelu';
export type Activation = ActivationName | ((x: Tensor) => Tensor);

export function resolveActivation(layer: string, a: Activation): (x: Tensor) => Tensor {
  if (typeof a === 'function') return a;
  switch (a) {
    case 'sigmoid':
      return F.sigmoid;
    case 'tanh':
      return F.tanh;
    case 'relu':
      return F.relu;
    case 'gelu':
      return F.gelu;
  }
  throw new GradlensError(layer, `unknown activation '${String(a)}': use 'sigmoid', 'tanh', 'relu', 'gelu' or a function`);
}
