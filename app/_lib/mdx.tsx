import { evaluate } from "@mdx-js/mdx";
import * as runtime from "react/jsx-runtime";
import remarkFrontmatter from "remark-frontmatter";
import { visit } from "unist-util-visit";
import type { Code, Root } from "mdast";
import type { ReactElement, ReactNode } from "react";
import type { Lesson } from "@/lab-runner/src/lessons/schema";
import { isRunnable } from "@/lab-runner/src/lessons/parse";
import { CodeBlock } from "../_components/CodeBlock";
import { CheckPanel } from "../_components/CheckPanel";

// Renders a lesson's MDX with Dockyard's authoring components. ```check blocks are for the lab-runner and
// are not shown; ```sh run blocks become buttons that type the command into the terminal.

function remarkCodeAttributes() {
  return (tree: Root) =>
    visit(tree, "code", (node: Code) => {
      node.data = { ...node.data, hProperties: { "data-lang": node.lang ?? "", "data-run": isRunnable(node) ? "1" : "" } };
    });
}

type CodeProps = { "data-lang"?: string; "data-run"?: string; children?: ReactNode };

export async function renderLesson(lesson: Lesson, passed: Set<string>): Promise<ReactNode> {
  const { default: Content } = await evaluate(lesson.source, {
    ...runtime,
    remarkPlugins: [remarkFrontmatter, remarkCodeAttributes],
  });

  function Step({ id, title, children }: { id: string; title: string; children: ReactNode }) {
    const index = lesson.steps.findIndex((s) => s.id === id);
    const step = lesson.steps[index]!;
    return (
      <section id={`step-${id}`} data-testid={`step-${id}`} className="not-prose my-8 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="text-lg font-semibold">
          <span className="mr-2 text-sky-700">Step {index + 1}</span>
          {title}
        </h2>
        <div className="prose prose-slate mt-3 max-w-none">{children}</div>
        {step.checks.length > 0 && <CheckPanel lesson={lesson.slug} step={id} initiallyPassed={passed.has(id)} />}
      </section>
    );
  }

  function Pre({ children }: { children?: ReactNode }) {
    const code = children as ReactElement<CodeProps>;
    const props = code?.props ?? {};
    if (props["data-lang"] === "check") return null;
    const text = String(props.children ?? "").replace(/\n$/, "");
    return <CodeBlock code={text} runnable={props["data-run"] === "1"} />;
  }

  return <Content components={{ Step, pre: Pre }} />;
}
