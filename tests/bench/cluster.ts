import { parseArgs } from "node:util";
import { clusterSim, SIM_DEFAULTS } from "./cluster-sim";

// `npm run bench:cluster`: Dockyard's labs on a Kubernetes cluster (issue 17). Parts: the simulation of a course on
// kwok fake nodes (cluster-sim.ts: placement, API calls per lab start, nodes going NotReady). Prerequisites:
// `bash scripts/engine.sh start`, `bash scripts/images.sh`, `bash scripts/kubernetes/build.sh`. Run under the shared lock.
// Options: --labs 500 --nodes 50 --waves 10 --lost 5 (the simulation's course).

const { values } = parseArgs({
  options: { labs: { type: "string" }, nodes: { type: "string" }, waves: { type: "string" }, lost: { type: "string" } },
});
const number = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));

await clusterSim({
  ...SIM_DEFAULTS,
  labs: number(values.labs, SIM_DEFAULTS.labs),
  nodes: number(values.nodes, SIM_DEFAULTS.nodes),
  waves: number(values.waves, SIM_DEFAULTS.waves),
  lost: number(values.lost, SIM_DEFAULTS.lost),
});
