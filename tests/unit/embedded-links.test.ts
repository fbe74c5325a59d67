import { test } from "node:test";
import assert from "node:assert/strict";
import { lessonMarkup } from "../support/lesson-markup";

// A lesson embedded in another site's frame shows that lesson only: its links open in a new tab (named so for
// screen readers), except those to a place on the page; on Dockyard's own page they stay as written.

const LESSON =
  "---\ntitle: T\nsummary: S\norder: 1\nminutes: 5\n---\n\n" +
  "See [the reference](https://docs.docker.com/reference/cli/docker/), [the next lesson](/lessons/volumes) and [step one](#step-one).\n\n" +
  '<Step id="one" title="One">\n\nRun it.\n\n</Step>\n';

const links = async (embedded: boolean) => {
  const html = await lessonMarkup(LESSON, { embedded });
  return [...html.matchAll(/<a [^>]*>.*?<\/a>/g)].map((m) => m[0]);
};

test("embedded, a lesson's links to other pages open in a new tab and say so; a link to a place on the page stays", async () => {
  const [reference, next, place] = await links(true);
  for (const link of [reference!, next!]) {
    assert.match(link, /target="_blank"/);
    assert.match(link, /rel="noopener"/);
    assert.match(link, /\(opens in a new tab\)/);
  }
  assert.match(next!, /href="\/lessons\/volumes"/);
  assert.doesNotMatch(place!, /target=/);
  assert.match(place!, /href="#step-one"/);
});

test("on Dockyard's own page the same links open where they are", async () => {
  const all = await links(false);
  assert.equal(all.length, 3);
  for (const link of all) assert.doesNotMatch(link, /target=|new tab/);
});
