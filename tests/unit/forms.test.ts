import { test } from "node:test";
import assert from "node:assert/strict";
import { endOfDay, formatDay } from "../../app/_lib/dates";
import { localPath } from "../../app/_lib/forms";

test("a due day is the end of that day in UTC; impossible days are refused", () => {
  assert.equal(endOfDay("2027-06-30")!.toISOString(), "2027-06-30T23:59:59.999Z");
  assert.equal(formatDay(endOfDay("2027-06-30")!), "30 June 2027");
  for (const bad of ["2027-02-30", "2027-13-01", "30/06/2027", "", "2027-06-30T10:00"]) assert.equal(endOfDay(bad), undefined, bad);
});

test("after signing in, only a path of this site is followed", () => {
  assert.equal(localPath("/cohorts/abc?x=1"), "/cohorts/abc?x=1");
  for (const bad of ["https://evil.example", "//evil.example", "/\\evil.example", "cohorts", "", undefined])
    assert.equal(localPath(bad), undefined, String(bad));
});
