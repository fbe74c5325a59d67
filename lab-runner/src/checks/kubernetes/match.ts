import type { Range } from "@dockyard/contract/server";
import { sameImage } from "../container";

// Comparisons the Kubernetes judges share: labels and selectors, images, and how many of something there are.

/** Labels as kubectl takes them: app=web,tier=front. */
export const showLabels = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");

/** Whether an object's labels include every wanted one (how an equality selector matches). */
export const hasLabels = (actual: Record<string, string> | undefined, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([key, value]) => actual?.[key] === value);

/** Docker Hub's own images, named as short as they can be: docker.io/library/nginx is nginx. */
const short = (ref: string) => ref.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, "").replace(/^library\/(?=[^/]+$)/, "");

/** Whether two image references name the same image as a container runtime pulls it (no tag is latest). */
export const samePulledImage = (wanted: string, actual: string) => sameImage(short(wanted), short(actual));

/** Whether a count is in the range. */
export const inRange = (range: Range, n: number) => (range.min === undefined || n >= range.min) && (range.max === undefined || n <= range.max);

/** A range said in words: "3", "at least 2", "at most 4", "2 to 4". */
export function showRange({ min, max }: Range): string {
  if (min !== undefined && min === max) return String(min);
  if (min !== undefined && max !== undefined) return `${min} to ${max}`;
  return min !== undefined ? `at least ${min}` : `at most ${max}`;
}

/** "1 pod", "3 pods", "0 pods". */
export const count = (n: number, noun: string) => `${n} ${n === 1 ? noun : `${noun}s`}`;

/** Names in a message: the first few, then how many more. */
export function listNames(names: string[], max = 3): string {
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
