import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readActions } from "../../lab-runner/src/authoring/import/actions";
import { convertPage } from "../../lab-runner/src/authoring/import/markdown";
import { Notes } from "../../lab-runner/src/authoring/import/notes";
import { echoesDone, verifyCheck, verifyScript } from "../../lab-runner/src/authoring/import/verify";
import { filesWaitedFor, setupBlocks } from "../../lab-runner/src/authoring/import/setup";

// The importer's conversions of a Killercoda page and its scripts, one mapping at a time.

const page = (markdown: string, inStep = true) => {
  const notes = new Notes();
  return { mdx: convertPage(markdown, "step1.md", inStep, notes), notes: notes.list };
};

test("{{exec}} becomes a run block, {{exec interrupt}} one that presses Ctrl-C first, {{copy}} a copy block", () => {
  const { mdx } = page(
    "Run it:\n\n```\ndocker ps\n```{{exec}}\n\n```\ndocker stop web\n```{{exec interrupt}}\n\n```yaml\nkind: Pod\n```{{copy}}\n\n```\nls\n```{{copy}}\n",
  );
  assert.equal(mdx, "Run it:\n\n```sh run\ndocker ps\n```\n\n```sh run interrupt\ndocker stop web\n```\n\n```yaml\nkind: Pod\n```\n\n```sh\nls\n```");
});

test("Katacoda's {{execute}} and a terminal number are runs too; the terminal number is reported", () => {
  const { mdx, notes } = page("```\necho hi\n```{{execute T2}}\n");
  assert.equal(mdx, "```sh run\necho hi\n```");
  assert.match(notes[0]!.message, /one terminal per node/);
});

test("a block without an action keeps its language and stays copyable; a longer fence holds backticks", () => {
  assert.equal(page('```json\n{"a": 1}\n```\n').mdx, '```json\n{"a": 1}\n```');
  assert.equal(page("```\necho ```\n```{{exec}}\n").mdx, "````sh run\necho ```\n````");
});

test("inline `command`{{exec}}: alone on its line it is a run block; in a sentence the sentence keeps the code and a run block follows", () => {
  assert.equal(page("### Where?\n`pwd`{{exec}}\n").mdx, "### Where?\n\n```sh run\npwd\n```");
  const { mdx, notes } = page("Then try `docker ps -a`{{execute}} to see all.\n");
  assert.equal(mdx, "Then try `docker ps -a` to see all.\n\n```sh run\ndocker ps -a\n```");
  assert.equal(notes[0]!.kind, "differs");
  assert.equal(page("Copy `ls -l`{{copy}} and paste it.").mdx, "Copy `ls -l` and paste it.");
});

test("links to {{TRAFFIC_HOST1_80}} point to the web preview; in commands the address is the node's own", () => {
  const { mdx, notes } = page(
    "[ACCESS NGINX]({{TRAFFIC_HOST1_80}})\n\nOr [the API]({{TRAFFIC_HOST2_8080}}/api). [Ports]({{TRAFFIC_SELECTOR}})\n\n```\ncurl {{TRAFFIC_HOST1_80}}/\n```{{exec}}\n",
  );
  assert.equal(
    mdx,
    "**ACCESS NGINX**: “Open port 80” under the terminal (the web preview)\n\n" +
      "Or **the API**: “Open port 8080” (on node2) under the terminal (the web preview), then the path `/api`. **Ports**: the “Open port …” links under the terminal (the web preview)\n\n" +
      "```sh run\ncurl http://localhost:80/\n```",
  );
  assert.ok(notes.every((n) => n.kind === "mapped"));
  assert.match(page("[old](https://[[HOST_SUBDOMAIN]]-5000-[[KATACODA_HOST]].environments.katacoda.com/)").mdx, /“Open port 5000”/);
});

test("prose becomes valid MDX: braces escaped, void tags closed, comments dropped, autolinks made links, stray < escaped", () => {
  const { mdx } = page('a {b} `{c}`<br>\n<hr>\n<!-- note -->\n<img src="x.png">\nsee <https://example.org> if 1 < 2\n');
  assert.equal(mdx, 'a \\{b\\} `{c}`<br />\n<hr />\n\n<img src="x.png" />\nsee [https://example.org](https://example.org) if 1 \\< 2');
  assert.equal(page("Replace <name> with <b>yours</b>, not <Step>.").mdx, "Replace \\<name> with <b>yours</b>, not \\<Step>.");
});

test("placeholders Dockyard does not know are reported", () => {
  const { notes } = page("Your IP is [[HOST_IP]].");
  assert.deepEqual(
    notes.map((n) => n.kind),
    ["todo"],
  );
});

test("<details> with shell commands becomes the step's <Solution>, a tip a <Hint>, outside steps it stays HTML", () => {
  const solution = "<details>\n<summary>Solution</summary>\n\n```\ndocker stop web\n```{{exec}}\n\n</details>\n";
  assert.equal(page(solution).mdx, "<Solution>\n\n```sh run\ndocker stop web\n```\n\n</Solution>");
  assert.equal(page("<details><summary>Tip</summary>\n\nUse `docker logs`.\n\n</details>").mdx, "<Hint>\n\n**Tip**\n\nUse `docker logs`.\n\n</Hint>");
  assert.equal(page("<details><summary>Why?</summary>\n\nBecause.\n</details>").mdx, "<Hint>\n\n**Why?**\n\nBecause.\n\n</Hint>");
  assert.equal(page(solution, false).mdx, "<details>\n<summary>Solution</summary>\n\n```sh run\ndocker stop web\n```\n\n</details>");
});

test("code fences are found line by line, so a closing fence with an action is a fence", () => {
  const blocks = readActions("text\n```\na\n```{{exec}}\nafter", "x", new Notes());
  assert.deepEqual(blocks, [
    { kind: "prose", text: "text" },
    { kind: "code", lang: "sh", meta: ["run"], body: "a" },
    { kind: "prose", text: "after" },
  ]);
});

const bash = (script: string) => spawnSync("bash", ["-c", script], { encoding: "utf8" });

test("verify.sh becomes a script check: exit 0 passes and the output is the message", () => {
  assert.equal(verifyScript("#!/bin/bash\n\nkubectl get pod my-pod\n"), "\nkubectl get pod my-pod\n");
  assert.equal(verifyCheck("stat /tmp/step1\n", "verify.sh"), "```check\nkind: script\ntitle: verify.sh\nscript: |\n  stat /tmp/step1\n```");
});

test("Katacoda's done convention: a verify that prints done passes, else it fails with its other output", () => {
  assert.ok(echoesDone('[ -f /tmp/x ] && echo "done"'));
  assert.ok(echoesDone("if true; then\n  echo done\nfi"));
  assert.ok(!echoesDone("echo 'all done now'"));
  const script = (test: string) => verifyScript(`echo checking\nif ${test}; then echo done; fi\n`);
  const passing = bash(script("true"));
  assert.equal(passing.status, 0);
  const failing = bash(script("false"));
  assert.equal(failing.status, 1);
  assert.equal(failing.stdout, "checking\n");
  assert.equal(bash(verifyScript("echo done; exit 1")).status, 0, "as on Katacoda, printing done is what counts");
});

test("background and foreground scripts become setup blocks, background first; a foreground wait for a file is reported", () => {
  const notes = new Notes();
  const blocks = setupBlocks(
    {
      background: { file: "intro/background.sh", text: "sleep 1\ntouch /tmp/ready\n" },
      foreground: { file: "intro/foreground.sh", text: "while [ ! -f /tmp/ready ]; do sleep 1; done\necho hi\n" },
    },
    "the lesson",
    notes,
  );
  assert.deepEqual(blocks, ["```sh setup\nsleep 1\ntouch /tmp/ready\n```", "```sh setup\nwhile [ ! -f /tmp/ready ]; do sleep 1; done\necho hi\n```"]);
  assert.match(notes.list.find((n) => n.where === "intro/foreground.sh")!.message, /waiting for \/tmp\/ready ends at once/);
  assert.deepEqual(filesWaitedFor('until test -e "/var/run/x"; do sleep 2; done'), ["/var/run/x"]);
});
