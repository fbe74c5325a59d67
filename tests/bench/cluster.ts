import { parseArgs } from "node:util";
import { clusterDrivers, DRIVER_BENCH_DEFAULTS } from "./cluster-drivers";
import { clusterSim, SIM_DEFAULTS } from "./cluster-sim";

// `npm run bench:cluster`: Dockyard's labs on a Kubernetes cluster (issue 17). Parts, in this order: the Docker driver
// against the Kubernetes driver on a real node, same run (cluster-drivers.ts: ready time, terminal echo, check latency),
// then the simulation of a course on kwok fake nodes (cluster-sim.ts: placement, API calls per lab start, nodes going
// NotReady). Prerequisites: `bash scripts/engine.sh start`, `bash scripts/images.sh`, `bash scripts/kubernetes/build.sh`.
// Run under the shared lock. Options: --only drivers|sim (one part); --starts 5 --keystrokes 100 --checks 20 (per
// driver); --labs 500 --nodes 50 --waves 10 --lost 5 (the simulation's course).

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    starts: { type: "string" },
    keystrokes: { type: "string" },
    checks: { type: "string" },
    labs: { type: "string" },
    nodes: { type: "string" },
    waves: { type: "string" },
    lost: { type: "string" },
  },
});
const number = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
if (values.only !== undefined && values.only !== "drivers" && values.only !== "sim") throw new Error(`--only drivers or --only sim, not ${values.only}`);

if (values.only !== "sim")
  await clusterDrivers({
    starts: number(values.starts, DRIVER_BENCH_DEFAULTS.starts),
    keystrokes: number(values.keystrokes, DRIVER_BENCH_DEFAULTS.keystrokes),
    checks: number(values.checks, DRIVER_BENCH_DEFAULTS.checks),
  });
if (values.only !== "drivers")
  await clusterSim({
    ...SIM_DEFAULTS,
    labs: number(values.labs, SIM_DEFAULTS.labs),
    nodes: number(values.nodes, SIM_DEFAULTS.nodes),
    waves: number(values.waves, SIM_DEFAULTS.waves),
    lost: number(values.lost, SIM_DEFAULTS.lost),
  });
