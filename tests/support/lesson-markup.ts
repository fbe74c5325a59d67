import type { ReactNode } from "react";
import { parseLesson } from "@dockyard/contract/server";
import { renderLesson } from "../../app/_lib/mdx";

// A lesson's page text as HTML, for unit tests of what the lesson renderer makes of its MDX.

// react-dom ships no types here (@types/react-dom is not installed); its server renderer is all these tests need.
const REACT_DOM_SERVER: string = "react-dom/server";
const renderToStaticMarkup = async (node: ReactNode): Promise<string> =>
  ((await import(REACT_DOM_SERVER)) as { renderToStaticMarkup: (node: ReactNode) => string }).renderToStaticMarkup(node);

/** The lesson `source` rendered for a learner who has done nothing yet; `embedded`: for a frame on another site, as renderLesson takes it. */
export async function lessonMarkup(source: string, options: { embedded?: boolean } = {}): Promise<string> {
  return renderToStaticMarkup(await renderLesson(parseLesson(source, "lesson.mdx", "demo"), { passed: new Set(), help: new Map() }, options));
}
