import { NODE_NAME, SANDBOX_ID } from "./ids";

// Where a web preview lives in the browser, in one of two shapes chosen by the preview URL (config.ts previewUrl):
// - a wildcard, https://*.preview.example.net: every preview has a host name of its own,
//   https://<sandbox>-<node>-<port>.preview.example.net/, so two learners' previews are two origins (the lab-runner
//   tells which preview a request is for by its Host);
// - an address, https://203.0.113.8 (or the lab-runner's own port in development): previews are under
//   /preview/<sandbox>/<node>/<port>/ there.
// The site builds the links with previewLink; the lab-runner reads a host name back with previewOfHost.

export interface PreviewTarget {
  sandbox: string;
  node: string;
  port: number;
}

/**
 * The lab-runner's answer to the front server before a preview host name gets a certificate (Caddy's on-demand TLS
 * `ask`, with ?domain=<host name>): 200 only for a node that runs.
 */
export const PREVIEW_CERTIFICATE_PATH = "/preview-certificate";

/** A preview URL that gives each preview a host name of its own. */
export const isWildcardPreview = (previewUrl: string) => /^https?:\/\/\*\./.test(previewUrl);

/** The host name label of one preview: `dy-0123456789abcdef0123-node1-8080`. */
export const previewHostLabel = (target: PreviewTarget) => `${target.sandbox}-${target.node}-${target.port}`;

const LABEL = new RegExp(`^(${SANDBOX_ID.source.slice(1, -1)})-(${NODE_NAME.source.slice(1, -1)})-([1-9]\\d{0,4})$`);

/** Where the browser opens a preview (the root of the learner's app, without a token). */
export function previewLink(previewUrl: string, target: PreviewTarget): string {
  const base = previewUrl.replace(/\/+$/, "");
  if (isWildcardPreview(base)) return `${base.replace("*", previewHostLabel(target))}/`;
  return `${base}/preview/${target.sandbox}/${target.node}/${target.port}/`;
}

/** The preview a Host header names under a wildcard preview URL; undefined for any other host. Ports are not compared. */
export function previewOfHost(host: string | undefined, previewUrl: string): PreviewTarget | undefined {
  if (!host || !isWildcardPreview(previewUrl)) return undefined;
  const suffix = new URL(previewUrl.replace("*", "x")).hostname.slice(1); // ".preview.example.net"
  const hostname = host.toLowerCase().replace(/:\d+$/, "");
  if (!hostname.endsWith(suffix)) return undefined;
  const match = hostname.slice(0, -suffix.length).match(LABEL);
  const port = Number(match?.[3]);
  if (!match || port > 65535) return undefined;
  return { sandbox: match[1]!, node: match[2]!, port };
}
