// The one place the runner reaches the checker, so a change of its entry point touches one line.
export { checkModel, checkParameters, completeCheck, modeFor, resolveOptions } from '../gradcheck/model';
export type { ParamPhase } from '../gradcheck/model';
