import { test } from "node:test";
import assert from "node:assert/strict";
import { imageSet, templateKey, type TemplateInputs } from "../../lab-runner/src/sandbox/docker/templates";

// A node disk template is keyed by everything it is made of: a change to any of them makes another one.

const inputs: TemplateInputs = {
  images: imageSet(["hello-world", "busybox", "busybox"]),
  tars: ["busybox 2137088 1000 busybox:latest sha256:b1", "hello-world 20992 1000 hello-world:latest sha256:ab"],
  sandboxImageId: "sha256:4f",
  remapping: "dockremap:100000:65536",
  diskBytes: 10 * 1024 ** 3,
};

test("an image set is its images sorted, each once", () => {
  assert.deepEqual(inputs.images, ["busybox", "hello-world"]);
});

test("the key is the same for the same inputs and changes with each of them", () => {
  assert.equal(templateKey(inputs), templateKey({ ...inputs }));
  assert.match(templateKey(inputs), /^[0-9a-f]{16}$/);
  const changes: Partial<TemplateInputs>[] = [
    { images: ["busybox"] },
    { tars: [inputs.tars[0]!, "hello-world 20992 2000 hello-world:latest sha256:ab"] }, // the tar was saved again
    { tars: [inputs.tars[0]!, "hello-world 20992 1000 hello-world:latest sha256:cd"] }, // another image in it
    { sandboxImageId: "sha256:5a" },
    { remapping: "dockremap:200000:65536" },
    { diskBytes: 2 * 1024 ** 3 },
  ];
  for (const change of changes) assert.notEqual(templateKey({ ...inputs, ...change }), templateKey(inputs), JSON.stringify(change));
});
