import { Refusal } from "@dockyard/contract";
import { catalog } from "@/app/_lib/lessons";
import { readTicket, type DeepLinkTicket } from "@/app/_lib/lti/deepLinking";
import { currentViewer } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

// The Deep Linking lesson picker an instructor sees inside the LMS: the catalog as a plain form (checkboxes, or
// radio buttons when the LMS takes one item), posted to /lti/deep-link/respond, which answers the LMS.

export default async function DeepLinkPicker({ searchParams }: { searchParams: Promise<{ ticket?: string }> }) {
  const { ticket } = await searchParams;
  let request: DeepLinkTicket;
  try {
    request = readTicket(ticket, (await currentViewer()).learnerId);
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    return (
      <div className="mx-auto max-w-3xl px-4 py-8">
        <h1 className="text-2xl font-bold">Add Dockyard lessons</h1>
        <p role="alert" className="mt-4 text-red-700">
          {e.message}
        </p>
      </div>
    );
  }
  const lessons = [...catalog().lessons].sort((a, b) => a.order - b.order);
  const type = request.acceptMultiple ? "checkbox" : "radio";
  return (
    <div className="mx-auto max-w-3xl px-4 py-8">
      <h1 className="text-2xl font-bold">Add Dockyard lessons</h1>
      <p className="mt-2 text-slate-600">
        Each lesson you pick becomes an assignment of the course, with a gradebook column: a student&apos;s score is the graded steps they passed.
      </p>
      <form method="post" action="/lti/deep-link/respond" className="mt-6">
        <input type="hidden" name="ticket" value={ticket} />
        <fieldset>
          <legend className="font-semibold">{request.acceptMultiple ? "Lessons (pick one or more)" : "Lesson (pick one)"}</legend>
          <ul className="mt-3 space-y-2">
            {lessons.map((lesson) => (
              <li key={lesson.slug}>
                <label className="flex items-start gap-3 rounded border border-slate-200 bg-white p-3 focus-within:ring-2 focus-within:ring-sky-400">
                  <input type={type} name="lesson" value={lesson.slug} className="mt-1" required={type === "radio"} />
                  <span>
                    <span className="font-medium">{lesson.title}</span>
                    <span className="block text-sm text-slate-600">
                      {lesson.summary} · {lesson.minutes} min · {lesson.level}
                    </span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
        <button
          type="submit"
          className="mt-6 rounded bg-sky-600 px-4 py-2 font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
        >
          Add to the course
        </button>
      </form>
    </div>
  );
}
