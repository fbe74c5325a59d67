import type { Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";
import { TerminalClient } from "../support/terminal-client";

// The lab's file editor and web preview against the real stack: files are written inside the sandbox, a
// port published inside it opens in a tab of its own, and neither lets another learner in.

let stack: Stack;
const LESSON = "first-container";
const DOCKERFILE = 'FROM busybox\nCMD ["echo", "built from the editor"]\n';

// A WebSocket echo server for inside the sandbox (python3 comes with docker-compose in the sandbox image):
// enough of RFC 6455 for one short text message per connection.
const ECHO_SERVER = `import base64, hashlib, socket
server = socket.create_server(("0.0.0.0", 8765))
while True:
    conn, _ = server.accept()
    request = conn.recv(4096).decode()
    if "upgrade: websocket" not in request.lower():
        conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 13\\r\\n\\r\\nplain answer\\n")
        conn.close()
        continue
    key = next(l.split(":", 1)[1].strip() for l in request.split("\\r\\n") if l.lower().startswith("sec-websocket-key"))
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    conn.sendall(("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: " + accept + "\\r\\n\\r\\n").encode())
    header = conn.recv(2)
    mask = conn.recv(4)
    data = bytes(b ^ mask[i % 4] for i, b in enumerate(conn.recv(header[1] & 0x7F)))
    reply = b"echo " + data
    conn.sendall(bytes([0x81, len(reply)]) + reply)
    conn.close()
`;

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  stack = new Stack({ name: "e2e-editor-preview", sitePort: 3160, runnerPort: 3161 });
  await stack.reset();
  await stack.start();
});
test.afterAll(async () => {
  await stack.stop();
});

const terminalText = (page: Page) => page.getByTestId("terminal").locator(".xterm-rows");
const tab = (page: Page, name: string) => page.getByRole("tab", { name });

async function openLesson(page: Page) {
  await page.goto(`${stack.siteUrl}/lessons/${LESSON}`);
  await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
}

async function typeInTerminal(page: Page, command: string) {
  await page.getByTestId("terminal").click();
  await page.keyboard.type(command);
  await page.keyboard.press("Enter");
}

/** Writes a file through the editor tab and saves it with Ctrl+S. */
async function writeInEditor(page: Page, path: string, text: string) {
  await tab(page, "Editor").click();
  await page.getByRole("textbox", { name: "File" }).fill(path);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("editor-message")).toHaveText(`${path} does not exist yet: saving creates it.`);
  await page.locator(".cm-content").click();
  await page.keyboard.insertText(text);
  await expect(page.getByTestId("editor-file")).toContainText("unsaved");
  await page.keyboard.press("Control+s");
  await expect(page.getByTestId("editor-message")).toHaveText(`Saved ${path} (${Buffer.byteLength(text)} bytes).`);
  await expect(page.getByTestId("editor-file")).not.toContainText("unsaved");
}

test("a Dockerfile written in the editor is in the sandbox; the terminal keeps running meanwhile", async ({ page }) => {
  await openLesson(page);
  await typeInTerminal(page, "sleep 3; echo while-hidden-$((6*7))");

  // The tabs work from the keyboard.
  await tab(page, "Terminal").focus();
  await page.keyboard.press("ArrowRight");
  await expect(tab(page, "Editor")).toHaveAttribute("aria-selected", "true");
  await expect(page.getByTestId("terminal")).toBeHidden();
  await expect(page.getByRole("navigation", { name: "Files in /root" })).toBeVisible();

  await writeInEditor(page, "/root/Dockerfile", DOCKERFILE);
  await expect(page.getByRole("navigation", { name: "Files in /root" }).getByRole("button", { name: "Dockerfile" })).toBeVisible();

  await tab(page, "Terminal").click();
  await expect(terminalText(page)).toContainText("while-hidden-42");
  await typeInTerminal(page, "clear; cat Dockerfile");
  await expect(terminalText(page)).toContainText('CMD ["echo", "built from the editor"]');

  // Reopened from the list, edited and saved again.
  await tab(page, "Editor").click();
  await page.getByRole("navigation", { name: "Files in /root" }).getByRole("button", { name: "Dockerfile" }).click();
  await expect(page.getByTestId("editor-message")).toHaveText("Opened /root/Dockerfile.");
  await expect(page.locator(".cm-content")).toContainText("built from the editor");
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.insertText("LABEL edited=twice\n");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("editor-message")).toHaveText(/^Saved \/root\/Dockerfile/);

  // A run block clicked while the editor is shown goes to the terminal, which comes to the front.
  await page.getByTestId("step-hello-busybox").getByTestId("run-block").click();
  await expect(tab(page, "Terminal")).toHaveAttribute("aria-selected", "true");
  await expect(terminalText(page)).toContainText("hello world");
  await typeInTerminal(page, "clear; tail -n 1 Dockerfile");
  await expect(terminalText(page)).toContainText("LABEL edited=twice");
  await page.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
});

test("the files API explains what it cannot do", async ({ page }) => {
  await openLesson(page);
  await typeInTerminal(page, "head -c 1100000 /dev/zero | tr '\\0' x > /root/big.txt; mkdir -p /root/app; echo done-$((6*7))");
  await expect(terminalText(page)).toContainText("done-42");
  const files = `${stack.siteUrl}/api/labs/${LESSON}/files`;
  const cases: [string, number, string, RegExp][] = [
    ["Dockerfile", 400, "bad_path", /must be absolute/],
    ["/root/nothing-here", 404, "not_found", /There is no file or directory at \/root\/nothing-here/],
    ["/root/app", 400, "is_directory", /is a directory/],
    ["/usr/bin/true", 415, "binary", /not a text file/],
    ["/root/big.txt", 413, "too_large", /over 1 MiB/],
  ];
  for (const [path, status, error, message] of cases) {
    const res = await page.request.get(`${files}?path=${encodeURIComponent(path)}`);
    expect(res.status(), path).toBe(status);
    expect(await res.json()).toMatchObject({ error, message: expect.stringMatching(message) });
  }
  // Inside the sandbox a path may climb anywhere in it: it is the learner's own machine.
  const passwd = await page.request.get(`${files}?path=${encodeURIComponent("/root/../etc/passwd")}`);
  expect((await passwd.json()).content).toMatch(/^root:x:0:0:/);
  const list = await (await page.request.get(`${files}/list?path=/root`)).json();
  expect(list.entries).toEqual(
    expect.arrayContaining([
      { name: "app", type: "directory", size: expect.any(Number) },
      { name: "big.txt", type: "file", size: 1100000 },
    ]),
  );
  const tooBig = await page.request.put(`${files}?path=/root/huge.txt`, { data: "x".repeat(1024 * 1024 + 1) });
  expect(tooBig.status()).toBe(413);
  await page.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
});

test("a port published inside the sandbox opens in a new tab, WebSockets included", async ({ page, context }) => {
  await openLesson(page);
  await typeInTerminal(
    page,
    `clear; docker run -d -p 8080:80 busybox sh -c 'mkdir /www && echo "<h1>Hello from port 8080</h1>" > /www/index.html && httpd -f -p 80 -h /www'`,
  );
  const link = page.getByRole("link", { name: /Open port 8080/ });
  await expect(link).toBeVisible({ timeout: 30_000 });

  const [preview] = await Promise.all([context.waitForEvent("page"), link.click()]);
  await expect(preview.getByRole("heading", { name: "Hello from port 8080" })).toBeVisible();
  expect(preview.url()).toMatch(/\/preview\/dy-[a-f0-9]+\/node1\/8080\/$/); // the token left the address bar

  // A WebSocket through the preview, to a server running in the sandbox itself.
  await writeInEditor(page, "/root/echo.py", ECHO_SERVER);
  await tab(page, "Terminal").click();
  await typeInTerminal(page, "clear; python3 /root/echo.py & sleep 1; echo started-$((6*7))");
  await expect(terminalText(page)).toContainText("started-42");
  const url8080 = await link.getAttribute("href");
  await preview.goto(url8080!.replace("/8080/", "/8765/"));
  await expect(preview.locator("body")).toHaveText("plain answer");
  const echoed = await preview.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`${location.href.replace(/^http/, "ws")}socket`);
        ws.onopen = () => ws.send("ping");
        ws.onmessage = (event) => resolve(String(event.data));
        ws.onerror = () => reject(new Error("the WebSocket failed"));
      }),
  );
  expect(echoed).toBe("echo ping");
  await page.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
});

test("the files API, the ports and the preview refuse another learner's token", async ({ browser }) => {
  const ann = await browser.newContext();
  const bob = await browser.newContext();
  const annLab = await (await ann.request.post(`${stack.siteUrl}/api/labs/${LESSON}`)).json();
  const bobLab = await (await bob.request.post(`${stack.siteUrl}/api/labs/${LESSON}`)).json();

  const annFiles = `${stack.runnerUrl}/sandboxes/${annLab.sandboxId}/files`;
  const requests: [string, string, string?][] = [
    ["GET", `${annFiles}?path=/etc/hostname`],
    ["PUT", `${annFiles}?path=/root/planted`, "from bob"],
    ["GET", `${annFiles}/list?path=/root`],
    ["GET", `${stack.runnerUrl}/sandboxes/${annLab.sandboxId}/ports`],
  ];
  for (const [method, url, body] of requests) {
    const stolen = await fetch(url, { method, body, headers: { authorization: `Bearer ${bobLab.token}` } });
    expect(stolen.status, `${method} ${url}`).toBe(403);
    expect((await stolen.json()).error).toBe("wrong_sandbox");
    expect((await fetch(url, { method, body })).status, `${method} ${url} without a token`).toBe(401);
  }
  // Ann's own token works, once her sandbox has started.
  const terminal = new TerminalClient(`${annLab.terminalUrl}?token=${encodeURIComponent(annLab.token)}`);
  await terminal.ready();
  terminal.close();
  const own = await fetch(`${annFiles}?path=/etc/hostname`, { headers: { authorization: `Bearer ${annLab.token}` } });
  expect(await own.json()).toEqual({ path: "/etc/hostname", content: "first-container\n" });

  const preview = (token?: string) =>
    `${stack.runnerUrl}/preview/${annLab.sandboxId}/node1/8080/${token === undefined ? "" : `?token=${encodeURIComponent(token)}`}`;
  const bobPage = await bob.newPage();
  const refused = await bobPage.goto(preview(bobLab.token));
  expect(refused?.status()).toBe(403);
  await expect(bobPage.getByText("This preview belongs to another learner's sandbox")).toBeVisible();
  expect((await bobPage.goto(preview()))?.status()).toBe(401);
  await expect(bobPage.getByText("Open this preview from the lesson page")).toBeVisible();

  for (const ctx of [ann, bob]) await ctx.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
  await ann.close();
  await bob.close();
});
