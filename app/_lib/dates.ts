// Due dates are days: a date picked as YYYY-MM-DD is due at the end of that day (UTC), and shown as that day.

/** The end (UTC) of the day a date input gave, or undefined when it is not a real day. */
export function endOfDay(day: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T23:59:59.999Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day ? undefined : date;
}

const DAY_FORMAT = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" });

/** "30 June 2027" */
export const formatDay = (date: Date) => DAY_FORMAT.format(date);

/** The YYYY-MM-DD of a date (UTC), as date inputs and <time dateTime> take it. */
export const isoDay = (date: Date) => date.toISOString().slice(0, 10);

const MOMENT_FORMAT = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

/** "1 Dec 2026, 13:45:02 UTC": when something was recorded. */
export const formatMoment = (date: Date) => `${MOMENT_FORMAT.format(date)} UTC`;

/** "45 s", "3 min 20 s", "2 h 5 min": how long something took. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min${seconds % 60 ? ` ${seconds % 60} s` : ""}`;
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${Math.floor(seconds / 3600)} h${minutes ? ` ${minutes} min` : ""}`;
}
