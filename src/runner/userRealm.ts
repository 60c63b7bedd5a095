// The realm a model file runs in. Its top-level code and every function it defines (forward,
// backward, custom ops) run in a vm context of their own, so what the file does to its globals
// (`Array.prototype.every = …`, `Math.abs = …`) changes nothing for the checker that judges it,
// which runs in the worker's own realm.
//
// It is no sandbox. The file holds our engine's objects and, through them (`t.shape.constructor`,
// `F.add.constructor`), reaches this realm; so the intrinsics a verdict rests on are frozen here
// before the first file runs (hardenRunnerRealm). Workspace trust is what decides whether a file
// runs at all (runner/index.ts).
//
// What crosses into the file's realm: the gradlens module (through `require`), console, the timer
// shims (userTimers.ts), a stand-in `process` (userProcess.ts) and a few web globals. Tensors are
// made by our engine, so `instanceof Tensor` holds for them. What the file makes is of its realm:
// Array.isArray and ArrayBuffer.isView see its arrays, `instanceof Array`/`Float64Array` do not,
// and the errors it throws are made `instanceof Error` here (hardenRunnerRealm).
import { types } from 'node:util';
import * as vm from 'node:vm';
import { checkAllocation } from '../engine/memory';
import { userProcess } from './userProcess';
import { userTimers } from './userTimers';
import { BUNDLE_FILENAME } from './userFrames';

type Wrapper = (exports: unknown, require: (id: string) => unknown, module: { exports: unknown }, filename: string, dirname: string) => void;

/** Runs a CommonJS bundle in a fresh realm; `require` is what its `require` calls answer. */
export function evaluateInUserRealm(code: string, require: (id: string) => unknown): void {
  const context = vm.createContext(userGlobals(), { name: 'gradlens model file' });
  // The file's errors are made by its own Error: give them as many frames as ours (worker.ts).
  vm.runInContext(`globalThis.global = globalThis; Error.stackTraceLimit = ${Number(Error.stackTraceLimit) || 10};`, context);
  guardBuffers(vm.runInContext('globalThis', context) as Record<string, unknown>);
  const wrapper = vm.runInContext(`(function (exports, require, module, __filename, __dirname) {\n${code}\n})`, context, {
    filename: BUNDLE_FILENAME,
    lineOffset: -1, // the wrapper's first line is ours: bundle line 1 stays line 1 in stacks
  }) as Wrapper;
  const module = { exports: {} as unknown };
  wrapper(module.exports, require, module, BUNDLE_FILENAME, '/');
}

function userGlobals(): Record<string, unknown> {
  return {
    console,
    // Shadowed, so the runner can clear what a file left scheduled (userTimers.ts).
    ...userTimers(),
    clearTimeout,
    clearInterval,
    clearImmediate,
    queueMicrotask,
    structuredClone,
    performance,
    TextEncoder,
    TextDecoder,
    process: userProcess(),
  };
}

/** The realm's typed arrays and buffers that allocate their own memory, sized by their first argument. */
const BUFFERS = ['ArrayBuffer', 'SharedArrayBuffer', 'Float64Array', 'Float32Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];

/**
 * `new Float64Array(5e8).fill(1)` in the file's own code asks the same allocation guard as the
 * engine's tensors (engine/memory.ts): a native fill of gigabytes cannot be stopped half-way.
 * Its constructors become proxies that check the size first (`.constructor` and `Symbol.species`
 * lead to them too); a file that digs out the originals is left to the supervisor's watch.
 */
function guardBuffers(realm: Record<string, unknown>): void {
  for (const name of BUFFERS) {
    const original = realm[name] as (new (...args: unknown[]) => object) & { BYTES_PER_ELEMENT?: number; prototype: { constructor: unknown } };
    if (typeof original !== 'function') continue;
    const perElement = original.BYTES_PER_ELEMENT ?? 1;
    const guarded: typeof original = new Proxy(original, {
      construct(target, args, newTarget): object {
        if (typeof args[0] === 'number') checkAllocation(`new ${name}`, args[0] * perElement);
        return Reflect.construct(target, args, newTarget === guarded ? target : newTarget) as object;
      },
    });
    realm[name] = guarded;
    original.prototype.constructor = guarded;
  }
}

let hardened = false;

/**
 * Once per worker, before any model file runs: errors of other realms count as `instanceof Error`
 * (the checker and the runner tell an Error from a thrown string that way), and the intrinsics the
 * checker computes with are frozen, so a file that reaches this realm cannot patch them.
 * Object.prototype stays as it is: freezing it would break assignments like `o.toString = …` on
 * every object (the "override mistake"); what is frozen is only on arrays', functions',
 * iterators' and maps' chains, where no code of ours or of Node's assigns such names.
 */
export function hardenRunnerRealm(): void {
  if (hardened) return;
  hardened = true;
  const ordinary = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(Error, Symbol.hasInstance, {
    value(this: Function, x: unknown): boolean {
      return ordinary.call(this, x) || (this === Error && types.isNativeError(x));
    },
  });
  for (const o of verdictIntrinsics()) Object.freeze(o);
  for (const o of typedArrayIntrinsics()) lockMethods(o);
}

/**
 * The typed arrays' prototypes get their methods locked one by one, not frozen whole: freezing the
 * constructors or a prototype's `constructor` makes V8 give up its fast paths for `slice` and
 * `subarray` (their species lookup), which made a full check three times slower. What stays open,
 * `constructor` and Symbol.species, only decides what class a copy gets, and the checker copies
 * with `new Float64Array(n)` where it matters.
 */
function lockMethods(o: object): void {
  for (const key of Reflect.ownKeys(o)) {
    if (key === 'constructor') continue;
    const d = Object.getOwnPropertyDescriptor(o, key)!;
    if (!d.configurable) continue;
    Object.defineProperty(o, key, 'value' in d ? { value: d.value, writable: false, configurable: false, enumerable: d.enumerable } : { get: d.get, set: d.set, configurable: false, enumerable: d.enumerable });
  }
  Object.preventExtensions(o);
}

function typedArrayIntrinsics(): object[] {
  const typedArray = Object.getPrototypeOf(Float64Array) as object & { prototype: object };
  return [typedArray.prototype, ...[Float64Array, Float32Array, Int32Array, Uint32Array].map((c) => c.prototype)];
}

function verdictIntrinsics(): object[] {
  const arrayIterator = Object.getPrototypeOf([][Symbol.iterator]()) as object;
  return [
    Math, JSON, Reflect, Object, Array, Array.prototype, Number, Number.prototype, Function.prototype,
    arrayIterator, Object.getPrototypeOf(arrayIterator) as object,
    Map.prototype, Set.prototype, Map, Set,
  ];
}
