// The parser worker as the extension uses it: a real worker thread running the bundled parser.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParserClient } from '../../../src/parser/client';
import { findModels } from '../../../src/parser';

const workerPath = path.resolve(__dirname, '../../../dist/parserWorker.js');

describe('parser worker client', function () {
  this.timeout(20000);
  let client: ParserClient;
  before(function () {
    if (!fs.existsSync(workerPath)) throw new Error(`build first: ${workerPath} is missing (node esbuild.mjs)`);
    client = new ParserClient(workerPath);
  });
  after(() => client.dispose());

  it('returns exactly what findModels returns in-process', async () => {
    const file = path.resolve(__dirname, '../../../examples/mlp.ts');
    const text = fs.readFileSync(file, 'utf8');
    const viaWorker = await client.parse(file, text);
    assert.deepEqual(viaWorker, JSON.parse(JSON.stringify(findModels(file, text))));
    assert.equal(viaWorker.models[0].name, 'mlp');
  });

  it('answers concurrent requests by id, broken text included', async () => {
    const good = "import { defineModel, F, randn } from 'gradlens';\nexport const m = defineModel({ inputs: {}, params: { w: randn([2]) }, forward: (_, { w }) => F.sum(w) });\n";
    const broken = "import { defineModel } from 'gradlens';\nconst x = defineModel({ inputs: {}, params: {}, forward() { return ";
    const [a, b] = await Promise.all([client.parse('/tmp/a.ts', good), client.parse('/tmp/b.ts', broken)]);
    assert.deepEqual(a.models.map((m) => m.name), ['m']);
    assert.equal(a.syntaxErrors.length, 0);
    assert.ok(b.syntaxErrors.length > 0, 'the broken buffer reports its syntax error');
    assert.equal(b.fileName, '/tmp/b.ts');
  });

  it('starts a new worker after dispose', async () => {
    client.dispose();
    const r = await client.parse('/tmp/c.ts', "import { F } from 'gradlens';\nF.exp(1);\n");
    assert.deepEqual(r.opCalls.map((c) => c.op), ['exp']);
  });
});
