import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_EMBED_ORIGINS, parseEmbedOrigins, platformOrigins, storedEmbedOrigins } from "../../app/_lib/embedOrigins";

// Which sites an admin may allow to frame an embedded lesson, and the LTI platforms' origins allowed with them.

test("an admin lists exact origins, https or http on this machine; they are kept normalised and once each", () => {
  assert.deepEqual(parseEmbedOrigins(""), { origins: [] });
  assert.deepEqual(parseEmbedOrigins("  https://lms.example.edu\n https://blog.example.org:8443  https://LMS.example.edu/ "), {
    origins: ["https://lms.example.edu", "https://blog.example.org:8443"],
  });
  assert.deepEqual(parseEmbedOrigins("http://localhost:9601 http://127.0.0.1:8080 http://[::1]:3000"), {
    origins: ["http://localhost:9601", "http://127.0.0.1:8080", "http://[::1]:3000"],
  });
});

test("anything but an origin is refused in plain words: wildcards, plain http elsewhere, paths, other schemes, policy syntax", () => {
  const refused = (text: string) => {
    const parsed = parseEmbedOrigins(text);
    assert.ok("error" in parsed, text);
    return parsed.error;
  };
  assert.match(refused("https://*.example.edu"), /wildcards are not accepted/);
  assert.match(refused("*"), /wildcards are not accepted/);
  assert.match(refused("http://lms.example.edu"), /not an https address \(plain http is accepted only for localhost\)/);
  assert.match(refused("https://lms.example.edu/course/1"), /is not an origin: give the scheme, host and port only, as in https:\/\/lms\.example\.edu\./);
  assert.match(refused("https://lms.example.edu?x=1"), /is not an origin/);
  assert.match(refused("https://user@lms.example.edu"), /is not an origin/);
  assert.match(refused("https://lms.example.edu:443"), /as in https:\/\/lms\.example\.edu\./);
  for (const word of ["'self'", "'none'", "data:", "javascript:alert(1)", "lms.example.edu", "https://lms.example.edu;script-src", "ftp://lms.example.edu"])
    assert.ok("error" in parseEmbedOrigins(word), word);
  // A good origin next to a bad one saves nothing.
  assert.ok("error" in parseEmbedOrigins("https://lms.example.edu https://*.example.edu"));
  const many = Array.from({ length: MAX_EMBED_ORIGINS + 1 }, (_, i) => `https://site${i}.example.org`).join(" ");
  assert.match(refused(many), new RegExp(`at most ${MAX_EMBED_ORIGINS} sites`));
});

test("what is stored is read back as origins, leaving out any word that would not pass now", () => {
  assert.deepEqual(storedEmbedOrigins("https://lms.example.edu https://*.bad.example 'none' https://blog.example.org"), [
    "https://lms.example.edu",
    "https://blog.example.org",
  ]);
  assert.deepEqual(storedEmbedOrigins(""), []);
});

test("a registered LTI platform's issuer and login endpoint origins may frame embedded lessons; insecure or malformed ones not", () => {
  assert.deepEqual(
    platformOrigins([
      { issuer: "https://moodle.example.edu", authLoginUrl: "https://moodle.example.edu/mod/lti/auth.php" },
      { issuer: "https://canvas.instructure.com", authLoginUrl: "https://sso.canvaslms.com/api/lti/authorize_redirect" },
      { issuer: "http://platform.example.com", authLoginUrl: "not a url" },
      { issuer: "http://127.0.0.1:9401", authLoginUrl: "http://127.0.0.1:9401/authorize" },
    ]),
    ["https://moodle.example.edu", "https://canvas.instructure.com", "https://sso.canvaslms.com", "http://127.0.0.1:9401"],
  );
});
