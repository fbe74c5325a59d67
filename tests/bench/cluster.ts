import { parseArgs } from "node:util";
import { clusterDrivers, DRIVER_BENCH_DEFAULTS } from "./cluster-drivers";

// `npm run bench:cluster`: Dockyard's labs on a Kubernetes cluster (issue 17). Parts: the Docker driver against the
// Kubernetes driver on a real node, same run (cluster-drivers.ts: ready time, terminal echo, check latency).
// Prerequisites: `bash scripts/engine.sh start`, `bash scripts/images.sh`, `bash scripts/kubernetes/build.sh`. Run under
// the shared lock. Options: --starts 5 --keystrokes 100 --checks 20 (per driver).

const { values } = parseArgs({ options: { starts: { type: "string" }, keystrokes: { type: "string" }, checks: { type: "string" } } });
const number = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));

await clusterDrivers({
  starts: number(values.starts, DRIVER_BENCH_DEFAULTS.starts),
  keystrokes: number(values.keystrokes, DRIVER_BENCH_DEFAULTS.keystrokes),
  checks: number(values.checks, DRIVER_BENCH_DEFAULTS.checks),
});
