import fs from "node:fs";
import os from "node:os";
import { bootConcurrency, contentDir, loadLessons, sandboxIdFor, SESSION_TOKEN, verify } from "@dockyard/contract/server";
import { imageSetKey } from "../../lab-runner/src/sandbox/driver";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { Stack } from "../support/stack";
import { percentile } from "./stats";
import { Learner, type Opening } from "./class/learner";
import { descendantsMiB, labMemory, memAvailableMiB, type LabMemory } from "./class/memory";
import { measureCpu, printCpu, type CpuUse } from "./class/cpu";
import { classOptions } from "./class/options";
import { echoTimes, printMemory, printOpenings, printQueue, printTargets, printTyping, ratio, readyTimes, section, wholeLabMiB } from "./class/report";
import { typeFor, type Typing } from "./class/typing";

// `npm run bench:class [LEARNERS]`: a class opening one lesson at the same moment, through the site's real API
// and the lab-runner's WebSocket as their browsers do, then typing. First, the same run's figures for one learner
// alone (ready one at a time, echo while alone), so the ratio is honest; then the class: ready and queue places, with
// no warm pool (every lab boots, cold). Then the lab-runner restarts with a pool of --pool nodes for the lesson (the
// class warmed up before it arrives): one learner alone from the pool, the class from the pool, echo while all type,
// memory per idle lab, and resume after a suspend through the site. Issue 14's targets close it.
// Its labs and learners (the stack's data directory) are removed at the end and on Ctrl-C. It exits non-zero when
// labs fail to start. Needs scripts/setup.sh (the engine, the images and the site's production build).

const options = classOptions();
const lesson = loadLessons(contentDir()).lessons.find((l) => l.slug === options.lesson);
const step = lesson?.steps.find((s) => s.checks.length > 0)?.id;
if (!lesson || !step) throw new Error(`There is no lesson “${options.lesson}” with a checked step.`);
if (!fs.existsSync(".next/BUILD_ID")) throw new Error("The site has no production build: run `npx next build` (scripts/setup.sh does) first.");

// Every learner signs up from this host, one client address: as for a class behind one address, its limit is raised.
const stack = new Stack({ name: "bench-class", sitePort: 3140, runnerPort: 3141, env: { DOCKYARD_SIGNUPS_PER_ADDRESS: "100000" } });
const driver = new DockerSandboxDriver();
const everyone: Learner[] = [];
const failures: { phase: string; opening: Opening }[] = [];
const readyTimeoutMs = options.readyTimeoutSeconds * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const progress = (what: string) => console.error(`[bench:class ${new Date().toISOString().slice(11, 19)}] ${what}`);

/** Learners with accounts made through the sign-up form, a few at a time (hashing passwords takes the site's CPU). */
async function signUp(count: number, prefix: string): Promise<Learner[]> {
  const made: Learner[] = [];
  for (let i = 0; i < count; i += 5) {
    const batch = Array.from({ length: Math.min(5, count - i) }, (_, j) => new Learner(stack.siteUrl, options.lesson, step!, `${prefix}-${i + j}@example.com`));
    everyone.push(...batch);
    await Promise.all(batch.map((l) => l.signUp()));
    made.push(...batch);
  }
  return made;
}

function opened(phase: string, opening: Opening): Opening {
  if (opening.readyMs === undefined) failures.push({ phase, opening });
  return opening;
}

let cleaning: Promise<void> | undefined;
/** Removes every lab through the site ("Reset lab"), stops the stack, sweeps what is left, and drops its data directory. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    progress(`cleaning up ${everyone.length} learners and their labs`);
    await Promise.all(everyone.map((l) => l.remove().catch((e) => progress(`site could not remove a lab (${(e as Error).message}): removing it directly`))));
    await stack.stop();
    await driver.pool?.prune(new Set()).catch((e) => progress(`could not remove the pool's nodes: ${(e as Error).message}`)); // the lab-runner's next start would
    // A lab still booting when interrupted, or one the site could not remove: found from the learner's session.
    const secret = fs.existsSync(`${stack.dataDir}/secret`) ? stack.secret : undefined;
    const labs = everyone.flatMap((l) => (secret && l.session ? [sandboxIdFor(verify(secret, SESSION_TOKEN, l.session).learner!, options.lesson)] : []));
    await Promise.all(labs.map((id) => driver.remove(id).catch((e) => progress(`could not remove lab ${id}: ${(e as Error).message}`))));
    fs.rmSync(stack.dataDir, { recursive: true, force: true }); // the learners' accounts, progress and recordings
  })();
  return cleaning;
}
// Ctrl-C reaches this process twice (from the terminal, and relayed by tsx): a signal within a second of the first
// is that echo; one later means "exit now".
let interrupted = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    if (interrupted && Date.now() - interrupted > 1000) process.exit(130);
    if (interrupted) return;
    interrupted = Date.now();
    progress(`${signal}: cleaning up before exiting (again to exit at once)`);
    void cleanUp().finally(() => process.exit(130));
  });

/** The lab-runner again, keeping `size` pooled nodes for the lesson (none: every lab boots cold). */
async function restartRunner(size: number): Promise<void> {
  await stack.stopRunner();
  stack.env.DOCKYARD_POOL_SIZE = String(size);
  stack.env.DOCKYARD_POOL_LESSONS = options.lesson;
  await stack.startRunner();
}

/** Waits until the pool holds its size of booted nodes for the lesson. */
async function poolFilled(): Promise<void> {
  const key = imageSetKey(lesson!.images);
  let told = 0;
  for (const deadline = Date.now() + 20 * 60_000; Date.now() < deadline; await sleep(500)) {
    const pooled = (await driver.pool!.pooled()).get(key) ?? 0;
    if (pooled >= options.pool) return;
    if (Date.now() - told > 10_000) (progress(`the pool holds ${pooled} of ${options.pool} nodes for ${options.lesson}`), (told = Date.now()));
  }
  throw new Error(`the pool did not fill to ${options.pool} nodes within 20 min`);
}

async function alone(pooled = false) {
  const typist = pooled ? "each lab comes from the pool, refilled before the next" : `the first types for ${options.seconds} s`;
  section(`1 learner alone${pooled ? ", from the pool" : ""}: ${options.solo} learners open the lesson one at a time; ${typist}`);
  const learners = await signUp(options.solo, `solo${pooled ? "-pool" : ""}-${process.pid}`);
  const openings: Opening[] = [];
  let typing: Typing | undefined;
  let cpu: CpuUse | undefined;
  for (const [i, learner] of learners.entries()) {
    if (pooled) await poolFilled();
    progress(`learner ${i + 1} of ${learners.length} opens the lesson alone`);
    const opening = opened("alone", await learner.open(readyTimeoutMs));
    openings.push(opening);
    if (i === 0 && !pooled && opening.readyMs !== undefined) {
      const measuring = measureCpu(stack);
      typing = await typeFor(learner, options.seconds * 1000, options.keyMs, options.autoChecks);
      cpu = measuring.stop();
    }
    await learner.remove();
  }
  printOpenings(`ready, 1 learner${pooled ? ", from the pool" : ""}`, openings);
  printTyping("keystroke echo, 1 learner typing", typing ? [typing] : []);
  if (cpu) printCpu("while 1 learner typed", cpu);
  return { ready: readyTimes(openings), echo: echoTimes(typing ? [typing] : []) };
}

/** The class opens the lesson at once with no pool: every lab boots, in the boot queue. Their labs are removed after. */
async function togetherCold(): Promise<number[]> {
  const n = options.learners;
  section(`${n} learners open the lesson at the same moment, no warm pool: every lab boots`);
  const learners = await signUp(n, `cold-${process.pid}`);
  progress(`${n} learners open the lesson now`);
  const openings = await Promise.all(learners.map(async (l) => opened("class, cold", await l.open(readyTimeoutMs))));
  printOpenings(`ready, ${n} at once, cold`, openings);
  printQueue(openings);
  await Promise.all(learners.map((l) => l.remove()));
  return readyTimes(openings);
}

/** The class opens the lesson at once (from the pool when it has one), all type, then memory and resume. */
async function together(pooled: boolean, before: number) {
  const n = options.learners;
  section(`${n} learners open the lesson at the same moment${pooled ? ", from a pool of " + options.pool : ""}, then all type for ${options.seconds} s`);
  const learners = await signUp(n, `class-${process.pid}`);
  if (pooled) await poolFilled();
  progress(`${n} learners open the lesson now`);
  const openings = await Promise.all(learners.map(async (l) => opened("class", await l.open(readyTimeoutMs))));
  const ready = learners.filter((l) => l.terminal);
  printOpenings(`ready, ${n} at once${pooled ? ", from the pool" : ""}`, openings);
  printQueue(openings);
  if (!ready.length) return { ready: [], echo: [], workingSet: [], whole: [], dropMiB: NaN, resume: [] };
  progress(`${ready.length} ready learners type for ${options.seconds} s`);
  const cpu = measureCpu(stack);
  const typings = await Promise.all(ready.map((l) => typeFor(l, options.seconds * 1000, options.keyMs, options.autoChecks)));
  const used = cpu.stop();
  printTyping(`keystroke echo, ${ready.length} typing at once`, typings);
  printCpu("during typing", used);

  section(`memory of ${ready.length} idle labs (terminals open, nothing running)`);
  await sleep(5_000);
  const memory: LabMemory[] = await Promise.all(ready.map(async (l) => labMemory(l.sandboxId!, (await driver.get(l.sandboxId!))?.nodes ?? [])));
  const clientsPerLab = descendantsMiB(stack.runnerPid) / ready.length;
  const after = await memAvailableMiB();
  const poolNodes = pooled ? ((await driver.pool!.pooled()).get(imageSetKey(lesson!.images)) ?? 0) : 0;
  printMemory(memory, clientsPerLab * ready.length, before, after, poolNodes);

  section(
    `resume: ${Math.min(options.resumes, ready.length)} labs suspended through the site (POST /api/labs/<slug>/suspend), then opened again, one at a time`,
  );
  const resumes: Opening[] = [];
  for (const learner of ready.slice(0, options.resumes)) {
    await learner.suspend();
    const opening = opened("resume", await learner.open(readyTimeoutMs));
    if (opening.readyMs !== undefined && !opening.resumed) throw new Error(`${learner.email}'s lab was ready again but not resumed`);
    resumes.push(opening);
  }
  printOpenings("resume", resumes);
  return {
    ready: readyTimes(openings),
    echo: echoTimes(typings),
    workingSet: memory.map((m) => m.workingSetMiB),
    whole: memory.map((m) => wholeLabMiB(m, clientsPerLab)),
    dropMiB: before > after ? (before - after) / (ready.length + poolNodes) : NaN,
    resume: readyTimes(resumes),
  };
}

try {
  console.log(
    `Dockyard class benchmark, ${new Date().toISOString()}: lesson ${options.lesson}, ${options.learners} learners, typing ${options.seconds} s ` +
      `(a key every ${options.keyMs} ms, the page's automatic checks ${options.autoChecks ? "on" : "off"}); host ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB; boot concurrency ${bootConcurrency()}`,
  );
  await stack.reset();
  await stack.start();
  const solo = await alone();
  const pooled = options.pool > 0;
  const cold = pooled ? await togetherCold() : [];
  await sleep(15_000); // the memory of the labs removed just before comes back to the host over some seconds (measured: ~15 s)
  const before = await memAvailableMiB(); // before the pool's nodes: they are the class's labs
  if (pooled) await restartRunner(options.pool);
  const soloPool = pooled ? await alone(true) : undefined;
  const group = await together(pooled, before);
  const p = (samples: number[], q: number) => (samples.length ? percentile(samples, q) : NaN);
  section(`targets (issue 14) on this run`);
  printTargets([
    { what: "first lesson ready p50, 1 learner, cold", measured: p(solo.ready, 50), bound: 1000, unit: "ms" },
    { what: "first lesson ready p50, 1 learner, from the pool", measured: soloPool ? p(soloPool.ready, 50) : NaN, bound: 300, unit: "ms" },
    ...(pooled ? [{ what: `${options.learners} at once, cold: ready p95`, measured: p(cold, 95), bound: 10_000, unit: "ms" as const }] : []),
    { what: `${options.learners} at once${pooled ? ", from the pool" : ""}: ready p95`, measured: p(group.ready, 95), bound: 10_000, unit: "ms" },
    { what: `${options.learners} at once: echo p99 while all type`, measured: p(group.echo, 99), bound: 50, unit: "ms" },
    { what: "idle lab memory: node cgroups, working set p50", measured: p(group.workingSet, 50), bound: 60, unit: "MiB" },
    { what: "idle lab memory: + its shims and terminal clients, p50", measured: p(group.whole, 50), bound: 60, unit: "MiB" },
    { what: "idle lab memory: host MemAvailable drop / labs", measured: group.dropMiB, bound: 60, unit: "MiB" },
    { what: "resume p50 (open → ready)", measured: p(group.resume, 50), bound: 2000, unit: "ms" },
  ]);
  console.log(
    `  class against 1 learner: ready p50 ${ratio(group.ready, solo.ready, 50)}, echo p50 ${ratio(group.echo, solo.echo, 50)}, p99 ${ratio(group.echo, solo.echo, 99)}`,
  );
} finally {
  await cleanUp();
}

if (failures.length) {
  const reasons = new Map<string, number>();
  for (const { phase, opening } of failures) reasons.set(`${phase}: ${opening.error}`, (reasons.get(`${phase}: ${opening.error}`) ?? 0) + 1);
  console.error(`\nFAILED: ${failures.length} labs did not start:`);
  for (const [reason, count] of reasons) console.error(`  ${count} × ${reason}`);
  process.exitCode = 1;
}
