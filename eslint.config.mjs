// Lint for the whole repository: typescript-eslint's recommended rules, Next's rules, no import cycles, and the
// boundaries between the site (app/, proxy.ts), the lab-runner (lab-runner/src) and their shared contract
// (lab-runner/contract, imported only as "@dockyard/contract" or "@dockyard/contract/server").
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";
import { importX } from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

const CONTRACT = '"@dockyard/contract" (browser-safe) or "@dockyard/contract/server"';

// Each `regex` is matched against the import's specifier, whether written with an alias or as a relative path.
const deepContractImport = {
  regex: "^(?!@dockyard/contract(/server)?$)(.*/)?contract(/|$)",
  message: `Import the contract only through its entry points, ${CONTRACT}.`,
};
const labRunnerImport = {
  regex: "(^|/)lab-runner(/|$)",
  message: `The site imports nothing from the lab-runner but its contract, ${CONTRACT}.`,
};
const sideImport = {
  regex: "(^|/)(src|app)(/|$)",
  message: "The contract imports neither side: nothing from lab-runner/src nor from app/.",
};

// "use client" modules run in the browser, where the server half of the contract (settings, tokens, Node APIs)
// must never be bundled.
const browserSafeClient = {
  meta: {
    type: "problem",
    schema: [],
    messages: { server: 'A "use client" module runs in the browser: import the contract from "@dockyard/contract", not "{{source}}".' },
  },
  create(context) {
    const program = context.sourceCode.ast;
    const isClient = program.body.some((node) => node.type === "ExpressionStatement" && node.directive === "use client");
    if (!isClient) return {};
    const check = (node) => {
      const source = node.source?.value;
      if (source === "@dockyard/contract/server") context.report({ node: node.source, messageId: "server", data: { source } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default defineConfig([
  globalIgnores([".next/**", ".data/**", "app/_generated/**", "test-results/**", "playwright-report/**"]),
  ...nextVitals,
  ...nextTypescript,
  {
    name: "dockyard/tuning",
    rules: {
      // Dropping a key by destructuring the rest (`const { KEY: _, ...env } = process.env`) is deliberate.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
      // React Compiler rules; the site does not use the compiler, and its latest-value refs, refs holding per-node
      // wiring, and effects that reset state when their input changes are deliberate.
      "react-hooks/refs": "off",
      "react-hooks/set-state-in-effect": "off",
    },
  },
  {
    name: "dockyard/tests",
    files: ["tests/**"],
    // Tests chain short steps on one line with the comma operator: `t.type(command), await t.waitForText(answer)`.
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
  {
    name: "dockyard/import-cycles",
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx", ".mts", ".cts"] },
      // Resolves tsconfig's paths (@/..., @dockyard/contract), so a cycle is found whichever way the imports are written.
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
    },
    // A cycle through `import type` is not reported: import-x skips imports that vanish from the JavaScript.
    rules: { "import-x/no-cycle": "error" },
  },
  {
    name: "dockyard/boundaries",
    plugins: { dockyard: { rules: { "browser-safe-client": browserSafeClient } } },
    rules: {
      "no-restricted-imports": ["error", { patterns: [deepContractImport] }],
      "dockyard/browser-safe-client": "error",
    },
  },
  {
    name: "dockyard/site-boundary",
    files: ["app/**", "proxy.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [labRunnerImport, deepContractImport] }] },
  },
  {
    name: "dockyard/contract-boundary",
    files: ["lab-runner/contract/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [sideImport] }] },
  },
]);
