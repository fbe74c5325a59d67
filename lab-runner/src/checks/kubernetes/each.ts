import type { CriterionResult } from "@dockyard/contract/server";
import { criterion } from "../criteria";

// One criterion about one object or about every object of a group (pods a selector matches, the cluster's
// nodes), said the same way for every field: "The pod “web” is Pending, not Running.", "2 of the 3 pods
// matching app=web are ready: “web-7d4f” is not ready (…)."

/** What a field asks of each object. */
export interface Demand<T> {
  /** The criterion's name. */
  name: string;
  holds(item: T): boolean;
  /** What an object that fails does instead, after its name: "is Pending, not Running". */
  instead(item: T): string;
  /** What is wanted, after one object and after several: ["is Running", "are Running"]. */
  wanted: [string, string];
}

/** The objects a check is about: one it names, or those it selects (never empty). */
export interface Group<T> {
  items: T[];
  nameOf(item: T): string;
  /** "pod", "node" … and the plural. */
  noun: [string, string];
  /** How the objects were chosen, after the plural ("matching app=web"), when the check names none. */
  matching?: string;
}

export function eachMeets<T>(group: Group<T>, demand: Demand<T>): CriterionResult {
  const { items, nameOf, noun, matching } = group;
  const failing = items.filter((item) => !demand.holds(item));
  if (items.length === 1) {
    const subject = `The ${noun[0]} “${nameOf(items[0]!)}”${matching ? ` (${matching})` : ""}`;
    return criterion(demand.name, !failing.length, `${subject} ${failing.length ? demand.instead(items[0]!) : demand.wanted[0]}.`);
  }
  const all = `${noun[1]}${matching ? ` ${matching}` : ""}`;
  if (!failing.length) return criterion(demand.name, true, `All ${items.length} ${all} ${demand.wanted[1]}.`);
  const meeting = items.length - failing.length;
  const first = failing[0]!;
  return criterion(
    demand.name,
    false,
    `${meeting === 0 ? "None" : meeting} of the ${items.length} ${all} ${meeting === 1 ? demand.wanted[0] : demand.wanted[1]}: “${nameOf(first)}” ${demand.instead(first)}.`,
  );
}

/** One demand per wanted label. */
export function labelDemands<T>(wanted: Record<string, string>, labelsOf: (item: T) => Record<string, string> | undefined): Demand<T>[] {
  return Object.entries(wanted).map(([key, value]) => ({
    name: `label ${key}=${value}`,
    holds: (item) => labelsOf(item)?.[key] === value,
    instead: (item) => {
      const found = labelsOf(item)?.[key];
      return found === undefined ? `has no label “${key}”; it should be ${key}=${value}` : `has the label ${key}=${found}, not ${key}=${value}`;
    },
    wanted: [`has the label ${key}=${value}`, `have the label ${key}=${value}`],
  }));
}
