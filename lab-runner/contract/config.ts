import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import os from "node:os";

// Over 300 lines on purpose: every setting Dockyard reads from the environment, with its default, in one place: nothing else in app/,
// lab-runner/src or scripts/*.ts reads process.env for them. README's Settings table documents each one
// (tests/unit/settings.test.ts keeps the two the same).

// Both services start from the repository root (npm scripts, scripts/*.sh); bundling moves this file, so
// its own location would not tell.
const repoRoot = process.cwd();

/** The database (SQLite), the signing secret and terminal recordings. */
export const dataDir = () => process.env.DOCKYARD_DATA_DIR ?? path.join(repoRoot, ".data");
/** Lessons (content/lessons/<slug>/lesson.mdx), course images and packages. */
export const contentDir = () => process.env.DOCKYARD_CONTENT_DIR ?? path.join(repoRoot, "content");
/** The engine, images and per-sandbox directories (root-owned, made by scripts/engine.sh). */
export const stateDir = () => process.env.DOCKYARD_STATE_DIR ?? "/var/lib/dockyard";

/** SQLite is the embedded default; a postgres:// or postgresql:// DATABASE_URL selects PostgreSQL. */
export const databaseUrl = () => process.env.DATABASE_URL ?? `file:${path.join(dataDir(), "dockyard.db")}`;
export const usesPostgres = () => /^postgres(ql)?:\/\//.test(databaseUrl());

/** Dockyard's own dockerd (userns-remapped); never the host's default daemon. */
export const engineSocket = () => process.env.DOCKYARD_ENGINE_SOCKET ?? path.join(stateDir(), "engine", "docker.sock");

/**
 * The one address a class uses (https://labs.example.org). The front server (Caddy, scripts/front.sh) serves pages, API
 * and terminal WebSockets there; unset, Dockyard serves http://localhost:3000 as in development.
 */
export const publicUrl = () => process.env.DOCKYARD_PUBLIC_URL || undefined;

/** The site's port (`next start`, scripts/start.sh), on 127.0.0.1. */
export const sitePort = () => Number(process.env.PORT ?? 3000);
/** Where the front server reaches the site: on this host's loopback, or the site's Service in a cluster (http://site:3000). */
export const siteUrl = () => process.env.DOCKYARD_SITE_URL ?? `http://127.0.0.1:${sitePort()}`;
/** The lab-runner's port. */
export const runnerPort = () => Number(process.env.DOCKYARD_RUNNER_PORT ?? 3001);
/** The address the lab-runner listens on (loopback: the site, and browsers through a proxy, reach it). */
export const runnerHost = () => process.env.DOCKYARD_RUNNER_HOST ?? "127.0.0.1";
/** Where the site's server reaches the lab-runner's HTTP API. */
export const runnerUrl = () => process.env.DOCKYARD_RUNNER_URL ?? `http://127.0.0.1:${runnerPort()}`;
/**
 * Several lab-runner replicas (Kubernetes: a StatefulSet) each own a shard of the labs (lab-runner/src/http/shards.ts):
 * how many there are, which one this is (unset, the number ending the host name, as a StatefulSet's lab-runner-2) and
 * where a replica reaches another, `{i}` standing for its number. One replica, the default, owns every lab.
 */
export const runnerShards = () => {
  const replicas = Number(process.env.DOCKYARD_RUNNER_REPLICAS ?? 1);
  const fromHostname = replicas > 1 ? os.hostname().match(/-(\d+)$/)?.[1] : undefined;
  return {
    replicas,
    replica: Number(process.env.DOCKYARD_RUNNER_REPLICA ?? fromHostname ?? 0),
    peerUrl: process.env.DOCKYARD_RUNNER_PEER_URL ?? "http://lab-runner-{i}.lab-runner:3001",
  };
};
/**
 * Whether the lab-runner believes X-Forwarded-For from any peer, not only from loopback: where only the front server
 * and Dockyard's own services can reach it (in a cluster, the manifests' NetworkPolicy), each learner keeps their own
 * WebSocket allowance although the front server is another host.
 */
export const trustForwardedFor = () => process.env.DOCKYARD_TRUST_FORWARDED_FOR === "1";
/** The public address's origin, for the addresses derived from it. */
const publicOrigin = () => {
  const url = publicUrl();
  return url === undefined ? undefined : new URL(url).origin;
};
/**
 * Where the browser reaches the lab-runner's WebSocket (differs from runnerUrl behind a proxy): under
 * DOCKYARD_PUBLIC_URL the public origin itself, through the front server.
 */
export const runnerPublicUrl = () => process.env.DOCKYARD_RUNNER_PUBLIC_URL ?? publicOrigin()?.replace(/^http/, "ws") ?? `ws://localhost:${runnerPort()}`;
/**
 * Where browsers open web previews: `https://*.preview.example.net` gives each preview a host name of its own
 * (preview-address.ts), an address of their own (`https://203.0.113.8`) serves them under /preview/… there. Unset, the
 * lab-runner's own port as in development; under DOCKYARD_PUBLIC_URL, undefined: previews are off rather than
 * same-site with the platform.
 */
export const previewUrl = () => process.env.DOCKYARD_PREVIEW_URL || (publicUrl() ? undefined : runnerPublicUrl().replace(/^ws/, "http"));

/**
 * How the front server gets its certificates: `acme` (Let's Encrypt or ZeroSSL for public names, the default),
 * `internal` (its own certificate authority, offline; browsers must trust its root), or `files` (a certificate and
 * key given, covering the public name and the preview names).
 */
export const frontTls = () => ({
  mode: process.env.DOCKYARD_TLS || "acme",
  certFile: process.env.DOCKYARD_TLS_CERT_FILE || undefined,
  keyFile: process.env.DOCKYARD_TLS_KEY_FILE || undefined,
  /** Told to the ACME certificate authority, which writes before a certificate expires. */
  acmeEmail: process.env.DOCKYARD_ACME_EMAIL || undefined,
});
/** The front server's plain HTTP port: redirects to HTTPS, and ACME's HTTP challenge. */
export const frontHttpPort = () => Number(process.env.DOCKYARD_FRONT_HTTP_PORT ?? 80);
/** The front server's certificates (its own CA's too), ACME account and Caddyfile. */
export const frontDir = () => path.join(stateDir(), "front");
/** Of those, what Caddy keeps (its storage): certificates, its own CA, the ACME account. Backups hold it. */
export const frontStorageDir = () => path.join(frontDir(), "caddy");
/** Session and preview cookies are marked Secure under an https DOCKYARD_PUBLIC_URL, or when DOCKYARD_SECURE_COOKIES=1. */
export const secureCookies = () => process.env.DOCKYARD_SECURE_COOKIES === "1" || publicUrl()?.startsWith("https:") === true;
/** New WebSockets one client address may open per 10 s; behind a reverse proxy every learner shares its address. */
export const wsPerAddress = () => Number(process.env.DOCKYARD_WS_PER_ADDRESS ?? 120);

/**
 * How sign-in and sign-up are limited (app/_lib/throttle.ts). Each key (an account's email; a client address for its
 * sign-ins, and for its sign-ups) may make so many attempts, then waits first-wait seconds, doubling with every
 * further one up to max-wait; a key's count is forgotten once it has been quiet for forget-minutes. A class behind
 * one address (a school's NAT) shares the address limits: raise them for a class bigger than they are.
 */
export const authLimits = () => ({
  /** Failed sign-ins of one account (email) before waits begin; signing in resets it. */
  accountFailures: Number(process.env.DOCKYARD_SIGNIN_FAILURES_PER_ACCOUNT ?? 5),
  /** Failed sign-ins from one client address, whatever the accounts, before waits begin. */
  addressFailures: Number(process.env.DOCKYARD_SIGNIN_FAILURES_PER_ADDRESS ?? 50),
  /** Sign-ups (made or refused) from one client address before waits begin. */
  addressSignUps: Number(process.env.DOCKYARD_SIGNUPS_PER_ADDRESS ?? 50),
  firstWaitMs: Number(process.env.DOCKYARD_AUTH_FIRST_WAIT_SECONDS ?? 1) * 1000,
  maxWaitMs: Number(process.env.DOCKYARD_AUTH_MAX_WAIT_SECONDS ?? 900) * 1000,
  forgetMs: Number(process.env.DOCKYARD_AUTH_FORGET_MINUTES ?? 60) * 60_000,
});

// Single sign-on (issue 18, OpenID Connect; README "Single sign-on").
const list = (value: string | undefined, fallback: string[]) =>
  value === undefined
    ? fallback
    : value
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean);
/**
 * The OpenID Connect provider people sign in with ("Sign in with <name>"); off unless issuer and client id are set.
 * Its redirect URI is DOCKYARD_PUBLIC_URL's origin + /auth/oidc/callback (http://localhost:3000/… unset). The claim
 * named by roleClaim (a string or a list of them) makes an account an instructor when it holds one of
 * instructorValues, else a grader for one of graderValues, else a student; see app/_lib/oidc/roles.ts.
 */
export const oidcSettings = () => {
  const issuer = process.env.DOCKYARD_OIDC_ISSUER || undefined;
  const clientId = process.env.DOCKYARD_OIDC_CLIENT_ID || undefined;
  if (!issuer || !clientId) return undefined;
  return {
    issuer,
    clientId,
    clientSecret: process.env.DOCKYARD_OIDC_CLIENT_SECRET || undefined,
    name: process.env.DOCKYARD_OIDC_NAME || "single sign-on",
    redirectUri: `${publicOrigin() ?? `http://localhost:${sitePort()}`}/auth/oidc/callback`,
    roleClaim: process.env.DOCKYARD_OIDC_ROLE_CLAIM || "groups",
    instructorValues: list(process.env.DOCKYARD_OIDC_INSTRUCTOR_VALUES, ["instructors"]),
    graderValues: list(process.env.DOCKYARD_OIDC_GRADER_VALUES, ["graders"]),
  };
};
/** Whether the email-and-password forms (sign-in, sign-up) are offered; `off` leaves single sign-on only. */
export const passwordSignIn = () => process.env.DOCKYARD_PASSWORD_SIGNIN !== "off";

/** Terminal recordings, kept as evidence for graders (see lab-runner/src/recordings/store.ts). */
export const recordingsDir = () => path.join(dataDir(), "recordings");
/** The commands each node's shell reported, per lab (recordings/command-log.ts); removed with the lab. */
export const commandLogsDir = () => path.join(dataDir(), "commands");
/** Each node's recording stops, with a final marker, at this size. */
export const recordingMaxBytes = () => Number(process.env.DOCKYARD_RECORDING_MAX_MIB ?? 20) * 1024 * 1024;

/** A sandbox with no terminal attached for this long is suspended (stopped, everything in it kept). */
export const idleTimeoutMs = () => Number(process.env.DOCKYARD_IDLE_TIMEOUT_MINUTES ?? 30) * 60_000;
/**
 * Suspended labs are removed once suspended this long, and sooner, oldest first, while the file system that holds
 * the labs' disks is fuller than the high-water mark (per cent).
 */
export const evictionPolicy = () => ({
  keepSuspendedMs: Number(process.env.DOCKYARD_SUSPENDED_DAYS ?? 7) * 86_400_000,
  diskHighWaterPercent: Number(process.env.DOCKYARD_DISK_HIGH_WATER_PERCENT ?? 85),
});
/** How often the lab-runner looks for idle sandboxes to suspend and suspended ones to remove. */
export const reapIntervalMs = () => Number(process.env.DOCKYARD_REAP_INTERVAL_SECONDS ?? 30) * 1000;
/** How long the lab, watch and recording tokens the site mints for browsers stay good. */
export const tokenTtlSeconds = () => Number(process.env.DOCKYARD_TOKEN_TTL_SECONDS ?? 300);

/** Where the generated signing secret is kept (unless DOCKYARD_SECRET gives one); backups carry it. */
export const secretFile = () => path.join(dataDir(), "secret");
/** Whether the signing secret comes from the environment rather than secretFile(). */
export const secretFromEnvironment = () => Boolean(process.env.DOCKYARD_SECRET);

/** HMAC key shared by the site and the lab-runner; generated once and kept in the data dir. */
export function secret(): string {
  if (process.env.DOCKYARD_SECRET) return process.env.DOCKYARD_SECRET;
  const file = secretFile();
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(dataDir(), { recursive: true });
    const value = crypto.randomBytes(32).toString("hex");
    try {
      fs.writeFileSync(file, value, { mode: 0o600, flag: "wx" });
      return value;
    } catch {
      return fs.readFileSync(file, "utf8").trim(); // another process created it first
    }
  }
}

/** The admin account scripts/create-admin.ts makes sure of (an empty value counts as unset). */
export const adminEmail = () => process.env.DOCKYARD_ADMIN_EMAIL || "admin@localhost";
/** That account's password when it is created; without one, a password is generated and printed once. */
export const adminPassword = () => process.env.DOCKYARD_ADMIN_PASSWORD || undefined;

/** How many labs one learner may run at once, and how many may run on this host in all. */
export const labQuotas = () => ({
  maxLabsPerLearner: Number(process.env.DOCKYARD_MAX_LABS_PER_LEARNER ?? 3),
  maxLabs: Number(process.env.DOCKYARD_MAX_LABS ?? 30),
});

/** How many labs may boot at once; labs started beyond it wait in line for their turn (lab-runner/src/labs/boot-queue.ts). */
export const bootConcurrency = () => Number(process.env.DOCKYARD_BOOT_CONCURRENCY ?? 2);

/**
 * The warm pool (lab-runner/src/labs/pool.ts): booted, unclaimed nodes kept per image set, for as many image sets as
 * learners open most (at first the first lesson's), which new labs claim instead of booting. Size 0 disables it.
 */
export const poolPolicy = () => ({
  size: Number(process.env.DOCKYARD_POOL_SIZE ?? 2),
  imageSets: Number(process.env.DOCKYARD_POOL_IMAGE_SETS ?? 1),
  /** The lessons (slugs) whose image sets are kept before learners' opens rank them, first first: a class's lesson. */
  lessons: (process.env.DOCKYARD_POOL_LESSONS ?? "")
    .split(",")
    .map((slug) => slug.trim())
    .filter(Boolean),
});

/**
 * When the instructor's class view flags a student as stuck on a step they have not passed: after this many failed
 * attempts at it (checks they asked for; the page's automatic ones do not count), or this many minutes on it.
 */
export const stuckRule = () => ({
  failedChecks: Number(process.env.DOCKYARD_STUCK_FAILED_CHECKS ?? 3),
  minutes: Number(process.env.DOCKYARD_STUCK_MINUTES ?? 10),
});

/** Each node's own disk (its Docker data, /root and /tmp). */
export const nodeDiskBytes = () => Number(process.env.DOCKYARD_NODE_DISK_GIB ?? 10) * 1024 ** 3;

/**
 * The pull-through registry mirror (scripts/mirror.sh: Debian's docker-registry in proxy mode), off unless an upstream
 * is given (https://registry-1.docker.io for Docker Hub). It listens on the engine's bridge address (scripts/engine.sh's
 * address plan), the one host address and port the sandboxes' firewall lets them reach; their inner daemons use it as
 * their registry mirror. Its cache is kept in dir.
 */
export const registryMirror = () => {
  const upstream = process.env.DOCKYARD_REGISTRY_MIRROR_UPSTREAM || undefined;
  if (!upstream) return undefined;
  const address = "10.213.0.1";
  const port = Number(process.env.DOCKYARD_REGISTRY_MIRROR_PORT ?? 5050);
  return { upstream, address, port, url: `http://${address}:${port}`, dir: path.join(stateDir(), "mirror") };
};

/** The Docker client a node's terminal runs (docker exec -it): the Engine 20.10 client, matching the engine. */
export const dockerCli = () => process.env.DOCKYARD_DOCKER_CLI ?? "/usr/bin/docker";

/**
 * What each node of a lab may use: memory (no swap on top), CPUs, processes. Of the memory, the reserve is kept
 * for the node's own engine and shells: inner containers share the rest, so they hit a wall of their own first.
 */
export const nodeLimits = () => ({
  memoryBytes: Number(process.env.DOCKYARD_NODE_MEMORY_MIB ?? 1024) * 1024 ** 2,
  memoryReserveBytes: Number(process.env.DOCKYARD_NODE_MEMORY_RESERVE_MIB ?? 160) * 1024 ** 2,
  cpus: Number(process.env.DOCKYARD_NODE_CPUS ?? 1),
  pidsLimit: Number(process.env.DOCKYARD_NODE_PIDS ?? 512),
  /** A Kubernetes lab's nodes: each pod costs ~26 processes (its shims' threads), so 512 stopped at 12 pods; 2048 ran 42 (measured). */
  kubernetesPidsLimit: Number(process.env.DOCKYARD_KUBERNETES_NODE_PIDS ?? 2048),
});

/** Which engine runs the labs: Dockyard's own dockerd on this host, or a Kubernetes cluster (README "Scale out"). */
export function sandboxDriver(): "docker" | "kubernetes" {
  const driver = process.env.DOCKYARD_SANDBOX_DRIVER ?? "docker";
  if (driver !== "docker" && driver !== "kubernetes") throw new Error(`DOCKYARD_SANDBOX_DRIVER is "${driver}": it must be docker or kubernetes`);
  return driver;
}

/** A pod toleration as the Kubernetes API spells it. */
export interface KubernetesToleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

/** How the Kubernetes driver (DOCKYARD_SANDBOX_DRIVER=kubernetes) runs labs on its cluster. */
export const kubernetesSettings = () => ({
  /** A kubeconfig file; unset: the pod's service account when the lab-runner runs in the cluster, else ~/.kube/config. */
  kubeconfig: process.env.DOCKYARD_KUBECONFIG || undefined,
  namespace: process.env.DOCKYARD_KUBERNETES_NAMESPACE || "dockyard-labs",
  /** The sandbox image with the course images in it (scripts/kubernetes/sandbox-image.sh) the nodes' pods run, as the cluster pulls it. */
  image: process.env.DOCKYARD_KUBERNETES_IMAGE || "dockyard/sandbox-cluster:latest",
  /** An isolating RuntimeClass (Sysbox, Kata) for the labs' pods; unset: pods in user namespaces of their own (hostUsers: false). */
  runtimeClass: process.env.DOCKYARD_KUBERNETES_RUNTIME_CLASS || undefined,
  /** Run labs on a cluster that offers neither, root in a pod being root on its node: only for a trusted class or tests. */
  insecure: process.env.DOCKYARD_KUBERNETES_INSECURE === "1",
  /** A StorageClass for each node's disk (a PVC, kept while the lab is suspended); unset: an emptyDir with a size limit. */
  storageClass: process.env.DOCKYARD_KUBERNETES_STORAGE_CLASS || undefined,
  /** Labels the labs' nodes must carry (JSON object), e.g. a node pool of their own. */
  nodeSelector: jsonSetting<Record<string, string>>("DOCKYARD_KUBERNETES_NODE_SELECTOR", process.env.DOCKYARD_KUBERNETES_NODE_SELECTOR, {}),
  /** Taints the labs' pods tolerate (JSON array of tolerations). */
  tolerations: jsonSetting<KubernetesToleration[]>("DOCKYARD_KUBERNETES_TOLERATIONS", process.env.DOCKYARD_KUBERNETES_TOLERATIONS, []),
  /**
   * The seccomp profile installed on the nodes (localhostProfile, relative to the kubelet's seccomp directory): the sandbox's
   * own, since the runtime's default denies keyctl and every inner container would fail (README "Scale out").
   */
  seccompProfile: process.env.DOCKYARD_KUBERNETES_SECCOMP || "dockyard/seccomp-dind.json",
});

function jsonSetting<T>(name: string, value: string | undefined, fallback: T): T {
  if (!value) return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    throw new Error(`${name} is not JSON: ${value}`);
  }
}

// Webhooks and the outbox (app/_lib/outbox, app/_lib/webhooks, app/_lib/outboundUrl.ts).

/**
 * How the outbox retries a message its server did not accept: after the first delay, doubling with every further
 * failure up to the cap; after max attempts it is abandoned (the delivery log shows it, and "retry now" starts it
 * again). Each site process looks for due messages every poll seconds.
 */
export const outboxPolicy = () => ({
  firstDelayMs: Number(process.env.DOCKYARD_OUTBOX_RETRY_SECONDS ?? 30) * 1000,
  maxDelayMs: Number(process.env.DOCKYARD_OUTBOX_MAX_RETRY_SECONDS ?? 21_600) * 1000,
  maxAttempts: Number(process.env.DOCKYARD_OUTBOX_MAX_ATTEMPTS ?? 15),
  pollMs: Number(process.env.DOCKYARD_OUTBOX_POLL_SECONDS ?? 2) * 1000,
  /** A delivered or abandoned message stays in the delivery log this long, then is deleted. */
  keepMs: Number(process.env.DOCKYARD_OUTBOX_KEEP_DAYS ?? 30) * 86_400_000,
});
/**
 * Whether Dockyard may send to loopback and private addresses (10/8, 172.16/12, 192.168/16, fc00::/7, this host's own):
 * for webhook receivers and LMSes on the premises' own network, and tests. Link-local addresses (cloud metadata) stay refused.
 */
export const outboundAllowPrivate = () => process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE === "1";
