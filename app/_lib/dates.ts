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
