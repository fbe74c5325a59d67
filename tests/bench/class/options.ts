import { parseArgs } from "node:util";

// What `npm run bench:class` is asked to do: from its arguments, else the BENCH_CLASS_* environment, else the
// defaults (a class of 25 typing for 60 s, as issue 14 measures it).

export interface ClassOptions {
  /** Learners who open the lesson at the same moment. */
  learners: number;
  /** How long every learner types once ready, in seconds. */
  seconds: number;
  /** A keystroke every this many ms, per learner. */
  keyMs: number;
  lesson: string;
  /** Learners who open the lesson one at a time, alone on the host, before the class (the first also types). */
  solo: number;
  /** Labs suspended through the site and opened again, one at a time, after the class typed. */
  resumes: number;
  /** Pooled nodes the lab-runner keeps for the lesson in the pool phases (the class warmed up before it arrives); 0 skips them. */
  pool: number;
  /** A lab not ready this long after its page opened counts as failed to start. */
  readyTimeoutSeconds: number;
  /** Whether typing learners' pages run their automatic checks after each Enter, as browsers do. */
  autoChecks: boolean;
}

const USAGE = `npm run bench:class -- [LEARNERS] [--seconds S] [--key-ms MS] [--lesson SLUG] [--solo N] [--resumes N] [--pool N] [--ready-timeout S] [--auto-checks on|off]`;

export function classOptions(argv = process.argv.slice(2), env = process.env): ClassOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      learners: { type: "string" },
      seconds: { type: "string" },
      "key-ms": { type: "string" },
      lesson: { type: "string" },
      solo: { type: "string" },
      resumes: { type: "string" },
      pool: { type: "string" },
      "ready-timeout": { type: "string" },
      "auto-checks": { type: "string" },
    },
  });
  const number = (name: string, given: string | undefined, envName: string, fallback: number, min: number) => {
    const raw = given ?? env[envName];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number of at least ${min}, not ${JSON.stringify(raw)}.\nUsage: ${USAGE}`);
    return value;
  };
  const autoChecks = values["auto-checks"] ?? env.BENCH_CLASS_AUTO_CHECKS ?? "on";
  if (autoChecks !== "on" && autoChecks !== "off") throw new Error(`--auto-checks must be on or off, not ${JSON.stringify(autoChecks)}.\nUsage: ${USAGE}`);
  const learners = Math.round(number("learners", positionals[0] ?? values.learners, "BENCH_CLASS_LEARNERS", 25, 1));
  return {
    learners,
    seconds: number("--seconds", values.seconds, "BENCH_CLASS_SECONDS", 60, 1),
    keyMs: number("--key-ms", values["key-ms"], "BENCH_CLASS_KEY_MS", 150, 20),
    lesson: values.lesson ?? env.BENCH_CLASS_LESSON ?? "first-container",
    solo: Math.round(number("--solo", values.solo, "BENCH_CLASS_SOLO", 3, 1)),
    resumes: Math.round(number("--resumes", values.resumes, "BENCH_CLASS_RESUMES", 3, 0)),
    pool: Math.round(number("--pool", values.pool, "BENCH_CLASS_POOL", learners, 0)),
    readyTimeoutSeconds: number("--ready-timeout", values["ready-timeout"], "BENCH_CLASS_READY_TIMEOUT", 300, 10),
    autoChecks: autoChecks === "on",
  };
}
