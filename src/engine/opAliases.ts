// Second names of registry ops, as other libraries spell them: `F.takeAlongAxis` is `F.gather`.
// The hovers and the public-F test read this table, so an alias shows its op's rule.
export const opAliases: Readonly<Record<string, string>> = { takeAlongAxis: 'gather' };
