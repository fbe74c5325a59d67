import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";

// The repository's ESLint config (eslint.config.mjs) on small snippets: the boundaries between the site, the
// lab-runner and their contract hold, and an import cycle fails the lint, even one written through an alias.

const root = path.resolve(import.meta.dirname, "../..");
const eslint = new ESLint({ cwd: root });

/** The rules that fired on `code` as if it were the file at `file` (relative to the repository). */
async function rulesFired(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe("the site imports only the contract's entry points", () => {
  for (const from of ["@/lab-runner/src/labs", "../../lab-runner/src/labs"]) {
    test(`app/ importing ${from} fails`, async () => {
      const fired = await rulesFired(`import { LabManager } from "${from}";\nexport const m = LabManager;\n`, "app/_lib/x.ts");
      assert.equal(fired.length, 1, fired.join("\n"));
      assert.match(fired[0]!, /^no-restricted-imports: .*The site imports nothing from the lab-runner but its contract/);
    });
  }

  test("a deep path into the contract fails, from the site and from the lab-runner", async () => {
    const site = await rulesFired(`import { secret } from "@/lab-runner/contract/config";\nexport const s = secret;\n`, "proxy.ts");
    assert.ok(
      site.some((m) => m.startsWith("no-restricted-imports: ")),
      site.join("\n"),
    );
    const runner = await rulesFired(`import { Refusal } from "../contract/refusals";\nexport const r = Refusal;\n`, "lab-runner/src/x.ts");
    assert.deepEqual(runner, [
      'no-restricted-imports: \'../contract/refusals\' import is restricted from being used by a pattern. Import the contract only through its entry points, "@dockyard/contract" (browser-safe) or "@dockyard/contract/server".',
    ]);
  });

  test("the two entry points pass", async () => {
    const code = `import { DEFAULT_NODE } from "@dockyard/contract";\nimport { secret } from "@dockyard/contract/server";\nexport const both = [DEFAULT_NODE, secret];\n`;
    assert.deepEqual(await rulesFired(code, "app/_lib/x.ts"), []);
    assert.deepEqual(await rulesFired(code, "app/_components/ServerPart.tsx"), [], "a server component may use the server half");
  });

  test('a "use client" module importing "@dockyard/contract/server" fails, wherever it lives', async () => {
    const code = `"use client";\nimport { secret } from "@dockyard/contract/server";\nexport const s = secret;\n`;
    for (const file of ["app/_components/Client.tsx", "app/cohorts/new/Client.tsx"]) {
      assert.deepEqual(await rulesFired(code, file), [
        'dockyard/browser-safe-client: A "use client" module runs in the browser: import the contract from "@dockyard/contract", not "@dockyard/contract/server".',
      ]);
    }
    assert.deepEqual(
      await rulesFired(`"use client";\nimport { DEFAULT_NODE } from "@dockyard/contract";\nexport const n = DEFAULT_NODE;\n`, "app/_components/Client.tsx"),
      [],
    );
  });

  test("the contract imports neither lab-runner/src nor app/", async () => {
    for (const from of ["../src/labs", "@/lab-runner/src/labs", "@/app/_lib/db"]) {
      const fired = await rulesFired(`import { x } from "${from}";\nexport const y = x;\n`, "lab-runner/contract/x.ts");
      assert.ok(fired.length === 1 && fired[0]!.includes("The contract imports neither side"), `${from}: ${fired.join("\n")}`);
    }
  });
});

describe("import cycles fail the lint", () => {
  // Real files inside the repository, so that the TypeScript resolver maps the "@/" alias as it does for the code.
  const dir = fs.mkdtempSync(path.join(root, "tests/unit/lint-cycle-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const alias = `@/${path.relative(root, dir)}`;

  test("two modules importing each other, one through the @/ alias", async () => {
    fs.writeFileSync(path.join(dir, "a.ts"), `import { b } from "${alias}/b";\nexport const a = () => b();\n`);
    fs.writeFileSync(path.join(dir, "b.ts"), `import { a } from "./a";\nexport const b = () => a();\n`);
    const results = await eslint.lintFiles([path.join(dir, "a.ts"), path.join(dir, "b.ts")]);
    const fired = results.map((r) => r.messages.map((m) => `${path.basename(r.filePath)} ${m.ruleId}: ${m.message}`)).flat();
    assert.deepEqual(fired, ["a.ts import-x/no-cycle: Dependency cycle detected", "b.ts import-x/no-cycle: Dependency cycle detected"]);
  });

  test("without the cycle, the same modules pass", async () => {
    fs.writeFileSync(path.join(dir, "a.ts"), `import { b } from "${alias}/b";\nexport const a = () => b();\n`);
    fs.writeFileSync(path.join(dir, "b.ts"), `export const b = () => 1;\n`);
    const results = await eslint.lintFiles([path.join(dir, "a.ts"), path.join(dir, "b.ts")]);
    assert.deepEqual(
      results.flatMap((r) => r.messages),
      [],
    );
  });
});
