// (family file: filled in by its owner)
export {};
